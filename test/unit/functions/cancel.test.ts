import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CelonisEmulator } from '../../../emulator/celonis.ts';
import { DEMO_JOB_IDS, DEMO_POOL_ID } from '../../../emulator/demo.ts';
import { lambdaContext } from '../../helpers/events.ts';
import {
  ADMIN_TOKEN,
  CRM_JOB_ID,
  CRM_POOL_ID,
  cancelPaths,
  celonisCancelPath,
  celonisRequests,
  DEMO_BY_ID_TOKEN,
  type HandlerHarness,
  JSON_HEADERS,
  parseAnswer,
  problem,
  type Route,
  routeEvent,
  shownJob,
  startHandlerHarness,
  UNCONFIGURED_POOL,
  UNKNOWN_JOB_ID,
  unauthorized,
} from '../../helpers/handler-harness.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import {
  OPERATOR_TOKEN,
  OTHER_POOL_TOKEN,
  READER_TOKEN,
} from '../../helpers/secrets.ts';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<unknown>;

const CANCEL: Route = 'POST /pools/{pool}/jobs/{jobId}/cancel';
const STUBBORN_ID = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d';
const FAILING_ID = '7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e';
const ADDED_JOB_START = '2026-12-03T22:30:00.000Z';

describe('cancel handler: POST /pools/{pool}/jobs/{jobId}/cancel', () => {
  let harness: HandlerHarness;
  let emulator: CelonisEmulator;
  let handler: Handler;

  function cancel(
    jobId: string,
    options: Parameters<typeof routeEvent>[2] = {},
    pool = 'demo',
  ) {
    const event = routeEvent(
      CANCEL,
      { pool, jobId },
      { token: OPERATOR_TOKEN, ...options },
    );

    return call(event);
  }

  async function call(event: APIGatewayProxyEventV2) {
    return parseAnswer(await handler(event, lambdaContext()));
  }

  /** The Celonis routes called, sorted: no poll means no waiting. */
  function celonisRoutes(): string[] {
    return celonisRequests(emulator)
      .map((entry) => entry.route)
      .sort();
  }

  function demoJob(jobId: string) {
    return shownJob(harness, DEMO_POOL_ID, jobId);
  }

  /** Adds a running job to the demo pool; answers it as the service shows it. */
  function addDemoJob(
    id: string,
    flags: { stubborn?: boolean; cancelFails?: boolean },
  ) {
    emulator.addJob(DEMO_POOL_ID, {
      id,
      name: flags.stubborn ? 'Extract SAP ECC Stubborn' : 'Extract SAP ECC MM',
      dataSourceId: null,
      status: 'RUNNING',
      lastExecutionStartDate: ADDED_JOB_START,
      ...flags,
    });

    return { ...demoJob(id), lastExecutionStartDate: ADDED_JOB_START };
  }

  beforeAll(async () => {
    harness = await startHandlerHarness();
    emulator = harness.emulator;
    handler = await harness.load('cancel');
  });

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(() => {
    harness.reset();
  });

  describe('a running job', () => {
    it('answers 200 cancelled once Celonis shows the job as CANCEL', async () => {
      const before = demoJob(DEMO_JOB_IDS.extractP2P);

      const answer = await cancel(DEMO_JOB_IDS.extractP2P);

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          result: 'cancelled',
          previousStatus: 'RUNNING',
          job: {
            ...before,
            status: 'CANCEL',
            currentExecutionId: null,
          },
        },
      });
      expect(cancelPaths(emulator)).toEqual([
        celonisCancelPath(DEMO_POOL_ID, DEMO_JOB_IDS.extractP2P),
      ]);
    });

    it('answers 202 cancel-requested when the job still runs after wait', async () => {
      const before = addDemoJob(STUBBORN_ID, { stubborn: true });

      const answer = await cancel(STUBBORN_ID, { query: { wait: '1' } });

      expect(answer).toEqual({
        statusCode: 202,
        headers: JSON_HEADERS,
        body: {
          result: 'cancel-requested',
          previousStatus: 'RUNNING',
          job: before,
        },
      });
      expect(cancelPaths(emulator)).toEqual([
        celonisCancelPath(DEMO_POOL_ID, STUBBORN_ID),
      ]);
    });

    it('answers 202 at once with wait=0', async () => {
      const before = demoJob(DEMO_JOB_IDS.extractO2C);

      const answer = await cancel(DEMO_JOB_IDS.extractO2C, {
        query: { wait: '0' },
      });

      expect(answer).toEqual({
        statusCode: 202,
        headers: JSON_HEADERS,
        body: {
          result: 'cancel-requested',
          previousStatus: 'RUNNING',
          job: before,
        },
      });
      expect(celonisRoutes()).toEqual(['cancel', 'job', 'status']);
      expect(cancelPaths(emulator)).toEqual([
        celonisCancelPath(DEMO_POOL_ID, DEMO_JOB_IDS.extractO2C),
      ]);
    });

    it('answers 200 not-running when the job ends otherwise while waiting', async () => {
      const before = addDemoJob(STUBBORN_ID, { stubborn: true });
      setTimeout(
        () => emulator.setJobStatus(DEMO_POOL_ID, STUBBORN_ID, 'SUCCESS'),
        300,
      );

      const answer = await cancel(STUBBORN_ID, { query: { wait: '3' } });

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          result: 'not-running',
          previousStatus: 'RUNNING',
          job: { ...before, status: 'SUCCESS', currentExecutionId: null },
        },
      });
    });

    it('answers 502 when Celonis fails the cancel', async () => {
      addDemoJob(FAILING_ID, { cancelFails: true });

      const answer = await cancel(FAILING_ID, { query: { wait: '0' } });

      // Celonis's short message may be quoted; its body never is.
      expect(answer).toEqual(problem(502, /cancel.*HTTP 500/));
      expect(JSON.stringify(answer.body)).not.toMatch(/reference|\{.*message/);
      expect(cancelPaths(emulator)).toContain(
        celonisCancelPath(DEMO_POOL_ID, FAILING_ID),
      );
    });
  });

  describe('a job that is not running', () => {
    it.each([
      ['SUCCESS', DEMO_JOB_IDS.deltaO2C],
      ['FAIL', DEMO_JOB_IDS.extractVendors],
      [null, DEMO_JOB_IDS.transformP2P],
    ])(
      'answers 200 not-running for status %s and sends no cancel',
      async (status, jobId) => {
        const answer = await cancel(jobId);

        expect(answer).toEqual({
          statusCode: 200,
          headers: JSON_HEADERS,
          body: {
            result: 'not-running',
            previousStatus: status,
            job: demoJob(jobId),
          },
        });
        expect(cancelPaths(emulator)).toEqual([]);
      },
    );

    it('answers 404 when Celonis does not know the job', async () => {
      const answer = await cancel(UNKNOWN_JOB_ID);

      expect(answer).toEqual(problem(404, new RegExp(UNKNOWN_JOB_ID)));
      expect(cancelPaths(emulator)).toEqual([]);
    });
  });

  describe('input', () => {
    it.each([
      ['above 25', '26'],
      ['negative', '-1'],
      ['not a number', 'ten'],
      ['infinite', 'Infinity'],
    ])('answers 400 when wait is %s', async (_, wait) => {
      const answer = await cancel(DEMO_JOB_IDS.extractP2P, {
        query: { wait },
      });

      expect(answer).toEqual(problem(400, /^wait: .*0 to 25/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 400 naming an unknown query parameter', async () => {
      const answer = await cancel(DEMO_JOB_IDS.extractP2P, {
        query: { timeout: '5' },
      });

      expect(answer).toEqual(problem(400, /timeout/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('logs the reason on one audit line with the caller, pool, job and result', async () => {
      const logs = captureLogs();
      const reason = 'SAP ECC maintenance, change CHG0042';

      await cancel(DEMO_JOB_IDS.extractO2C, {
        query: { wait: '0' },
        body: { reason },
      });

      const audit = logs
        .lines()
        .filter((line) => line.message === 'job cancel');
      expect(audit).toEqual([
        expect.objectContaining({
          level: 'INFO',
          caller: 'night-operator',
          pool: 'demo',
          jobId: DEMO_JOB_IDS.extractO2C,
          jobName: 'Extract SAP ECC O2C',
          previousStatus: 'RUNNING',
          result: 'cancel-requested',
          reason,
        }),
      ]);
    });

    it('accepts a reason of 200 characters', async () => {
      const answer = await cancel(DEMO_JOB_IDS.deltaO2C, {
        body: { reason: 'r'.repeat(200) },
      });

      expect(answer.statusCode).toBe(200);
    });

    it('answers 400 for a reason over 200 characters', async () => {
      const answer = await cancel(DEMO_JOB_IDS.extractP2P, {
        body: { reason: 'r'.repeat(201) },
      });

      expect(answer).toEqual(problem(400, /^body\.reason: .*200/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it.each([
      ['an unknown field', { reason: 'x', force: true }, /force/],
      ['a reason that is not text', { reason: 42 }, /reason/],
      ['an array', [], /^body/],
    ])('answers 400 for a body with %s', async (_, body, detail) => {
      const answer = await cancel(DEMO_JOB_IDS.extractP2P, { body });

      expect(answer).toEqual(problem(400, detail));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 400 when the body is not JSON', async () => {
      const answer = await cancel(DEMO_JOB_IDS.extractP2P, {
        body: 'reason=maintenance',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });

      expect(answer).toEqual(problem(400, /^body: .*JSON/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('reads a body API Gateway passed on base64-encoded', async () => {
      const event = routeEvent(
        CANCEL,
        { pool: 'demo', jobId: DEMO_JOB_IDS.deltaO2C },
        { token: OPERATOR_TOKEN },
      );
      event.body = Buffer.from('{"reason":"maintenance"}').toString('base64');
      event.isBase64Encoded = true;

      const answer = await call(event);

      expect(answer.statusCode).toBe(200);
    });

    it.each([
      ['not a UUID', 'extract-p2p'],
      ['a path trick', '../cancel'],
    ])('answers 400 when the job id is %s', async (_, jobId) => {
      const answer = await cancel(jobId);

      expect(answer).toEqual(problem(400, /^jobId: /));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 404 when the pool is not configured', async () => {
      const answer = await cancel(DEMO_JOB_IDS.extractP2P, {}, 'hr');

      expect(answer).toEqual(problem(404, /hr/));
      expect(celonisRequests(emulator)).toEqual([]);
    });
  });

  describe('authorization', () => {
    const params = { pool: 'demo', jobId: DEMO_JOB_IDS.extractP2P };

    it.each([
      ['no Authorization header', {}],
      ['an unknown token', { authorization: `Bearer ${OPERATOR_TOKEN}x` }],
      ['the Basic scheme', { authorization: `Basic ${OPERATOR_TOKEN}` }],
    ])('answers 401 with a Bearer challenge for %s', async (_, headers) => {
      const answer = await call(routeEvent(CANCEL, params, { headers }));

      expect(answer).toEqual(unauthorized());
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it.each([
      ['a malformed pool', { pool: 'Demo Pool' }],
      ['a malformed job id', { jobId: 'not-a-job' }],
      ['an unconfigured pool', { pool: UNCONFIGURED_POOL }],
    ])('answers 401 before it looks at %s', async (_, change) => {
      const event = routeEvent(
        CANCEL,
        { ...params, ...change },
        { body: '{not json', query: { wait: '99' } },
      );

      const answer = await call(event);

      expect(answer).toEqual(unauthorized());
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 403 to a token without the jobs:cancel scope', async () => {
      const answer = await cancel(DEMO_JOB_IDS.extractP2P, {
        token: READER_TOKEN,
      });

      expect(answer).toEqual(problem(403, /jobs:cancel/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 403 to a token for another pool', async () => {
      const answer = await cancel(DEMO_JOB_IDS.extractP2P, {
        token: OTHER_POOL_TOKEN,
      });

      expect(answer).toEqual(problem(403, /demo/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it.each([
      ['a token for every pool', ADMIN_TOKEN, 'crm', CRM_JOB_ID],
      [
        'a token that names the pool by id',
        DEMO_BY_ID_TOKEN,
        'demo',
        DEMO_JOB_IDS.deltaO2C,
      ],
    ])('lets %s cancel there', async (_, token, pool, jobId) => {
      const answer = await cancel(jobId, { token, query: { wait: '0' } }, pool);

      expect(answer.statusCode).toBeLessThan(300);
    });

    it('lets a token for a pool alias act on the pool named by id', async () => {
      const before = shownJob(harness, CRM_POOL_ID, CRM_JOB_ID);

      const byId = await cancel(
        CRM_JOB_ID,
        { token: OTHER_POOL_TOKEN, query: { wait: '0' } },
        CRM_POOL_ID,
      );

      expect(byId).toEqual({
        statusCode: 202,
        headers: JSON_HEADERS,
        body: {
          result: 'cancel-requested',
          previousStatus: 'RUNNING',
          job: before,
        },
      });
      expect(cancelPaths(emulator)).toEqual([
        celonisCancelPath(CRM_POOL_ID, CRM_JOB_ID),
      ]);
    });
  });
});
