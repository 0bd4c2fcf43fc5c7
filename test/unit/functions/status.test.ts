import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CelonisEmulator } from '../../../emulator/celonis.ts';
import {
  DEMO_DATA_SOURCE_IDS,
  DEMO_JOB_IDS,
  DEMO_POOL_ID,
} from '../../../emulator/demo.ts';
import { lambdaContext } from '../../helpers/events.ts';
import {
  CRM_JOB_ID,
  CRM_POOL_ID,
  celonisRequests,
  DEMO_BY_ID_TOKEN,
  type HandlerHarness,
  ISO_DATE,
  JSON_HEADERS,
  parseAnswer,
  problem,
  type Route,
  routeEvent,
  seededStart,
  shownJob,
  startHandlerHarness,
  UNCONFIGURED_POOL,
  UNKNOWN_JOB_ID,
  unauthorized,
} from '../../helpers/handler-harness.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import {
  APP_KEY,
  OPERATOR_TOKEN,
  OTHER_POOL_TOKEN,
  READER_TOKEN,
  sha256,
} from '../../helpers/secrets.ts';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<unknown>;

const LIST: Route = 'GET /pools/{pool}/jobs';
const ONE: Route = 'GET /pools/{pool}/jobs/{jobId}';
const DEMO_POOL = { id: DEMO_POOL_ID, alias: 'demo' };

describe('status handler', () => {
  let harness: HandlerHarness;
  let emulator: CelonisEmulator;
  let handler: Handler;

  async function call(event: APIGatewayProxyEventV2) {
    return parseAnswer(await handler(event, lambdaContext()));
  }

  function list(
    pool: string,
    options: Parameters<typeof routeEvent>[2] = {},
  ): Promise<ReturnType<typeof parseAnswer>> {
    return call(
      routeEvent(LIST, { pool }, { token: READER_TOKEN, ...options }),
    );
  }

  function show(
    pool: string,
    jobId: string,
    options: Parameters<typeof routeEvent>[2] = {},
  ): Promise<ReturnType<typeof parseAnswer>> {
    return call(
      routeEvent(ONE, { pool, jobId }, { token: READER_TOKEN, ...options }),
    );
  }

  function demoJob(jobId: string) {
    return shownJob(harness, DEMO_POOL_ID, jobId);
  }

  function everyDemoJob() {
    return Object.values(DEMO_JOB_IDS).map(demoJob);
  }

  beforeAll(async () => {
    harness = await startHandlerHarness();
    emulator = harness.emulator;
    handler = await harness.load('status');
  });

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(() => {
    harness.reset();
  });

  describe('GET /pools/{pool}/jobs', () => {
    it('answers every job of the pool, with names and the fetch time', async () => {
      const before = Date.now();

      const answer = await list('demo');

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          pool: DEMO_POOL,
          jobs: everyDemoJob(),
          fetchedAt: expect.stringMatching(ISO_DATE),
        },
      });
      const { fetchedAt } = answer.body as { fetchedAt: string };
      expect(Date.parse(fetchedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(fetchedAt)).toBeLessThanOrEqual(Date.now());
    });

    it('shows the jobs as the demo pool seeds them', async () => {
      const answer = await list('demo', { query: { status: 'success' } });

      expect(answer.body).toEqual({
        pool: DEMO_POOL,
        jobs: [
          {
            id: DEMO_JOB_IDS.deltaO2C,
            name: 'Delta Extract SAP ECC O2C',
            status: 'SUCCESS',
            dataSourceId: DEMO_DATA_SOURCE_IDS.orderToCash,
            currentExecutionId: null,
            lastExecutionStartDate: seededStart(
              harness.seeds,
              DEMO_POOL_ID,
              DEMO_JOB_IDS.deltaO2C,
            ),
          },
        ],
        fetchedAt: expect.stringMatching(ISO_DATE),
      });
    });

    it('keeps only the statuses asked for, whatever their case', async () => {
      const answer = await list('demo', {
        query: { status: 'running,QUEUED' },
      });

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          pool: DEMO_POOL,
          jobs: [
            demoJob(DEMO_JOB_IDS.extractP2P),
            demoJob(DEMO_JOB_IDS.extractO2C),
            demoJob(DEMO_JOB_IDS.extractMasterData),
          ],
          fetchedAt: expect.stringMatching(ISO_DATE),
        },
      });
    });

    it.each([
      ['an unknown status', 'RUNNING,STOPPED'],
      ['an empty list', ','],
    ])('answers 400 naming the status field for %s', async (_, status) => {
      const answer = await list('demo', { query: { status } });

      expect(answer).toEqual(problem(400, /^status: .*RUNNING/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 400 naming an unknown query parameter', async () => {
      const answer = await list('demo', { query: { state: 'RUNNING' } });

      expect(answer).toEqual(problem(400, /state/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers a table aligned under NAME STATUS STARTED ID for text/plain', async () => {
      const answer = await list('demo', {
        headers: { accept: 'text/plain' },
      });

      expect(answer).toEqual({
        statusCode: 200,
        headers: {
          'cache-control': 'no-store',
          'content-type': 'text/plain; charset=utf-8',
        },
        body: expect.stringMatching(/^NAME +STATUS +STARTED +ID\n/),
      });
      const [header = '', ...rows] = String(answer.body).trimEnd().split('\n');
      const columns = ['STATUS', 'STARTED', 'ID'].map((title) =>
        header.indexOf(title),
      );
      const cells = rows.map((row) =>
        [0, ...columns].map((start, index) =>
          row.slice(start, columns[index] ?? row.length).trim(),
        ),
      );
      expect(cells).toEqual(
        everyDemoJob().map((job) => [
          job.name,
          job.status ?? '-',
          job.lastExecutionStartDate?.replace(/\.\d{3}Z$/, 'Z') ?? '-',
          job.id,
        ]),
      );
    });

    it('answers JSON to a client that accepts anything', async () => {
      const answer = await list('demo', { headers: { accept: '*/*' } });

      expect(answer.headers).toEqual(JSON_HEADERS);
    });

    it.each([
      ['its id', DEMO_POOL_ID],
      ['its id in upper case', DEMO_POOL_ID.toUpperCase()],
    ])('finds the pool by %s as well as by its alias', async (_, pool) => {
      const answer = await list(pool);

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          pool: DEMO_POOL,
          jobs: everyDemoJob(),
          fetchedAt: expect.stringMatching(ISO_DATE),
        },
      });
    });

    it.each([
      ['an alias', UNCONFIGURED_POOL],
      ['a pool id', '5b7e1c2d-3f4a-4b5c-8d6e-7f8091a2b3c4'],
    ])('answers 404 when the pool is not configured (%s)', async (_, pool) => {
      const answer = await list(pool);

      expect(answer).toEqual(problem(404, new RegExp(pool)));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it.each([
      ['upper-case letters', 'Demo'],
      ['a space', 'sap ecc'],
      ['65 characters', 'a'.repeat(65)],
      ['a path trick', '..'],
    ])('answers 400 when the pool has %s', async (_, pool) => {
      const answer = await list(pool);

      expect(answer).toEqual(problem(400, /^pool: /));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('shows any pool to a token granted every pool', async () => {
      const answer = await list('crm');

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          pool: { id: CRM_POOL_ID, alias: 'crm' },
          jobs: [shownJob(harness, CRM_POOL_ID, CRM_JOB_ID)],
          fetchedAt: expect.stringMatching(ISO_DATE),
        },
      });
    });
  });

  describe('GET /pools/{pool}/jobs/{jobId}', () => {
    it('answers the job with its last start', async () => {
      const answer = await show('demo', DEMO_JOB_IDS.extractP2P);

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: { pool: DEMO_POOL, job: demoJob(DEMO_JOB_IDS.extractP2P) },
      });
      expect(answer.body).toMatchObject({
        job: {
          name: 'Extract SAP ECC P2P',
          status: 'RUNNING',
          currentExecutionId: expect.any(String),
          lastExecutionStartDate: expect.stringMatching(ISO_DATE),
        },
      });
    });

    it('answers a job that never ran with null status and start', async () => {
      const answer = await show('demo', DEMO_JOB_IDS.transformP2P);

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          pool: DEMO_POOL,
          job: {
            id: DEMO_JOB_IDS.transformP2P,
            name: 'Transform P2P Data Model Tables',
            status: null,
            dataSourceId: null,
            currentExecutionId: null,
            lastExecutionStartDate: null,
          },
        },
      });
    });

    it('accepts a job id in upper case', async () => {
      const answer = await show('demo', DEMO_JOB_IDS.deltaO2C.toUpperCase());

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: { pool: DEMO_POOL, job: demoJob(DEMO_JOB_IDS.deltaO2C) },
      });
    });

    it('answers 404 when Celonis does not know the job', async () => {
      const answer = await show('demo', UNKNOWN_JOB_ID);

      expect(answer).toEqual(problem(404, new RegExp(UNKNOWN_JOB_ID)));
    });

    it('answers 404 for a job of another pool', async () => {
      const answer = await show('demo', CRM_JOB_ID);

      expect(answer).toEqual(problem(404, new RegExp(CRM_JOB_ID)));
    });

    it.each([
      ['not a UUID', 'extract-p2p'],
      ['a UUID with a suffix', `${DEMO_JOB_IDS.extractP2P}x`],
      ['a path trick', '../../pools'],
    ])('answers 400 when the job id is %s', async (_, jobId) => {
      const answer = await show('demo', jobId);

      expect(answer).toEqual(problem(400, /^jobId: /));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 400 for any query parameter', async () => {
      const answer = await show('demo', DEMO_JOB_IDS.extractP2P, {
        query: { status: 'RUNNING' },
      });

      expect(answer).toEqual(problem(400, /status/));
    });

    it('answers 404 when the pool is not configured', async () => {
      const answer = await show(UNCONFIGURED_POOL, DEMO_JOB_IDS.extractP2P);

      expect(answer).toEqual(problem(404, /hr/));
      expect(celonisRequests(emulator)).toEqual([]);
    });
  });

  describe.each([
    [LIST, { pool: 'demo' }],
    [ONE, { pool: 'demo', jobId: DEMO_JOB_IDS.extractP2P }],
  ] as const)('authentication on %s', (route, params) => {
    it.each([
      ['no Authorization header', {}],
      ['an unknown token', { authorization: `Bearer ${OPERATOR_TOKEN}x` }],
      ['an empty bearer token', { authorization: 'Bearer ' }],
      ['the Basic scheme', { authorization: `Basic ${OPERATOR_TOKEN}` }],
      ['the token without a scheme', { authorization: OPERATOR_TOKEN }],
      ['the Celonis app key', { authorization: `AppKey ${APP_KEY}` }],
    ])('answers 401 with a Bearer challenge for %s', async (_, headers) => {
      const answer = await call(routeEvent(route, params, { headers }));

      expect(answer).toEqual(unauthorized());
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it.each([
      ['a malformed pool', { pool: 'Not A Pool!' }],
      ['an unconfigured pool', { pool: UNCONFIGURED_POOL }],
      ['a malformed job id', { jobId: 'nope' }],
    ])('answers 401 before it looks at %s', async (_, change) => {
      const event = routeEvent(
        route,
        { ...params, ...change },
        { headers: { authorization: 'Bearer wrong' } },
      );

      const answer = await call(event);

      expect(answer).toEqual(unauthorized());
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 403 to a token for another pool', async () => {
      const event = routeEvent(route, params, { token: OTHER_POOL_TOKEN });

      const answer = await call(event);

      expect(answer).toEqual(problem(403, /demo/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 200 to a token for the pool', async () => {
      const event = routeEvent(route, params, { token: OPERATOR_TOKEN });

      const answer = await call(event);

      expect(answer.statusCode).toBe(200);
    });

    it.each([
      ['a read-only token for every pool', READER_TOKEN],
      ['a token that names the pool by id', DEMO_BY_ID_TOKEN],
    ])('answers 200 to %s', async (_, token) => {
      const event = routeEvent(route, params, { token });

      const answer = await call(event);

      expect(answer.statusCode).toBe(200);
    });

    it('accepts the scheme in any case', async () => {
      const event = routeEvent(route, params, {
        headers: { Authorization: `bearer ${READER_TOKEN}` },
      });

      const answer = await call(event);

      expect(answer.statusCode).toBe(200);
    });

    it('never logs the token it was sent', async () => {
      const logs = captureLogs();
      const event = routeEvent(route, params, { token: `${READER_TOKEN}-x` });

      await call(event);

      expect(logs.text()).not.toContain(READER_TOKEN);
      expect(logs.lines()).toContainEqual(
        expect.objectContaining({
          message: 'request handled',
          status: 401,
        }),
      );
    });
  });

  describe('with a malformed callers secret', () => {
    const BROKEN_CALLERS_ID = 'celonis-job-control/test/callers-broken';
    // The plain token where its hash belongs: the classic mistake, and
    // one that must not end up in an answer or a log line.
    const broken = JSON.stringify({
      callers: [
        {
          name: 'night-operator',
          tokenSha256: OPERATOR_TOKEN,
          scopes: ['jobs:read'],
          pools: ['demo'],
        },
        {
          name: 'dashboard',
          tokenSha256: sha256(READER_TOKEN),
          scopes: ['jobs:admin'],
          pools: ['*'],
        },
      ],
    });
    let brokenHandler: Handler;

    beforeAll(async () => {
      brokenHandler = await harness.load('status', {
        CALLERS_SECRET_ID: BROKEN_CALLERS_ID,
      });
    });

    beforeEach(() => {
      harness.reset({ secrets: { [BROKEN_CALLERS_ID]: broken } });
    });

    it('answers a 500 problem that names no credential', async () => {
      const logs = captureLogs();
      const event = routeEvent(LIST, { pool: 'demo' }, { token: READER_TOKEN });

      const answer = parseAnswer(await brokenHandler(event, lambdaContext()));

      expect(answer).toEqual(problem(500, /callers secret/i));
      const text = JSON.stringify(answer) + logs.text();
      for (const secret of [
        OPERATOR_TOKEN,
        READER_TOKEN,
        sha256(OPERATOR_TOKEN),
        sha256(READER_TOKEN),
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('logs which entries are wrong and the shape it expects, once per secret value', async () => {
      const fresh = await harness.load('status', {
        CALLERS_SECRET_ID: BROKEN_CALLERS_ID,
      });
      const logs = captureLogs();
      const event = routeEvent(LIST, { pool: 'demo' }, { token: READER_TOKEN });

      await fresh(event, lambdaContext());
      await fresh(event, lambdaContext());

      expect(logs.lines()).toContainEqual(
        expect.objectContaining({
          level: 'ERROR',
          message: 'callers secret is malformed',
          problems: [
            expect.stringMatching(/^callers\.0\.tokenSha256: /),
            expect.stringMatching(/^callers\.1\.scopes\.0: /),
          ],
          expected: expect.stringContaining('tokenSha256'),
        }),
      );
      expect(
        logs.lines().filter((l) => l.message === 'callers secret is malformed'),
      ).toHaveLength(1);
    });
  });
});
