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
  ADMIN_TOKEN,
  cancelPaths,
  celonisCancelPath,
  celonisRequests,
  DEMO_BY_ID_TOKEN,
  type HandlerHarness,
  JSON_HEADERS,
  parseAnswer,
  problem,
  type Route,
  type RouteOptions,
  routeEvent,
  startHandlerHarness,
  UNCONFIGURED_POOL,
  UNKNOWN_JOB_ID,
  unauthorized,
  type WebhookBody,
  webhookFixture,
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

const CANCEL_RUNNING: Route = 'POST /pools/{pool}/cancel-running';
const STUBBORN_ID = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d';
const FAILING_ID = '7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e';
const { extractP2P, extractO2C, extractMasterData, deltaO2C } = DEMO_JOB_IDS;
const { purchaseToPay } = DEMO_DATA_SOURCE_IDS;

const NAMES: Record<string, string> = {
  [extractP2P]: 'Extract SAP ECC P2P',
  [extractO2C]: 'Extract SAP ECC O2C',
  [extractMasterData]: 'Extract SAP ECC Master Data',
  [STUBBORN_ID]: 'Extract SAP ECC Stubborn',
  [FAILING_ID]: 'Extract SAP ECC MM',
};

const PREVIOUS: Record<string, string> = {
  [extractP2P]: 'RUNNING',
  [extractO2C]: 'RUNNING',
  [extractMasterData]: 'QUEUED',
  [STUBBORN_ID]: 'RUNNING',
  [FAILING_ID]: 'RUNNING',
};

/** One entry of `results`, for a job of the demo pool. */
function result(
  jobId: string,
  outcome: string,
  status = outcome === 'cancelled' ? 'CANCEL' : PREVIOUS[jobId],
) {
  return {
    jobId,
    name: NAMES[jobId],
    previousStatus: PREVIOUS[jobId],
    result: outcome,
    status,
  };
}

const RUNNING_DEMO_JOBS = [extractP2P, extractO2C, extractMasterData];

describe('cancel handler: POST /pools/{pool}/cancel-running', () => {
  let harness: HandlerHarness;
  let emulator: CelonisEmulator;
  let handler: Handler;

  function cancelRunning(options: RouteOptions = {}, pool = 'demo') {
    const event = routeEvent(
      CANCEL_RUNNING,
      { pool },
      { token: OPERATOR_TOKEN, ...options },
    );

    return call(event);
  }

  async function call(event: APIGatewayProxyEventV2) {
    return parseAnswer(await handler(event, lambdaContext()));
  }

  function addRunningJob(
    id: string,
    flags: { stubborn?: boolean; cancelFails?: boolean },
  ): void {
    emulator.addJob(DEMO_POOL_ID, {
      id,
      name: NAMES[id] ?? 'Added job',
      dataSourceId: null,
      status: 'RUNNING',
      ...flags,
    });
  }

  /** The Celonis routes called, sorted: no poll means no waiting. */
  function celonisRoutes(): string[] {
    return celonisRequests(emulator)
      .map((entry) => entry.route)
      .sort();
  }

  function demoCancelPaths(jobIds: string[]): string[] {
    return jobIds.map((id) => celonisCancelPath(DEMO_POOL_ID, id)).sort();
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

  describe('a request without webhook', () => {
    it('cancels every QUEUED and RUNNING job and answers 200 once all are cancelled', async () => {
      const answer = await cancelRunning({ query: { wait: '2' } });

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          dryRun: false,
          results: RUNNING_DEMO_JOBS.map((id) => result(id, 'cancelled')),
          summary: { cancelled: 3 },
        },
      });
      expect(cancelPaths(emulator).sort()).toEqual(
        demoCancelPaths(RUNNING_DEMO_JOBS),
      );
    });

    it('answers 202 while a job is still running when the wait is over', async () => {
      addRunningJob(STUBBORN_ID, { stubborn: true });

      const answer = await cancelRunning({ query: { wait: '1' } });

      expect(answer).toEqual({
        statusCode: 202,
        headers: JSON_HEADERS,
        body: {
          dryRun: false,
          results: [
            ...RUNNING_DEMO_JOBS.map((id) => result(id, 'cancelled')),
            result(STUBBORN_ID, 'cancel-requested'),
          ],
          summary: { cancelled: 3, 'cancel-requested': 1 },
        },
      });
    });

    it('answers 502 with the failed job and its error among the cancelled ones', async () => {
      addRunningJob(FAILING_ID, { cancelFails: true });

      const answer = await cancelRunning({ query: { wait: '2' } });

      expect(answer).toEqual({
        statusCode: 502,
        headers: JSON_HEADERS,
        body: {
          dryRun: false,
          results: [
            ...RUNNING_DEMO_JOBS.map((id) => result(id, 'cancelled')),
            {
              ...result(FAILING_ID, 'failed'),
              error: expect.stringMatching(/cancel.*HTTP 500/),
            },
          ],
          summary: { cancelled: 3, failed: 1 },
        },
      });
    });

    it('answers 200 with no results when no job is running', async () => {
      for (const id of RUNNING_DEMO_JOBS) {
        emulator.setJobStatus(DEMO_POOL_ID, id, 'SUCCESS');
      }

      const answer = await cancelRunning();

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: { dryRun: false, results: [], summary: {} },
      });
      expect(cancelPaths(emulator)).toEqual([]);
    });

    it('answers would-cancel on a dry run and sends no cancel', async () => {
      const answer = await cancelRunning({ query: { dryRun: 'true' } });

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          dryRun: true,
          results: RUNNING_DEMO_JOBS.map((id) => result(id, 'would-cancel')),
          summary: { 'would-cancel': 3 },
        },
      });
      expect(cancelPaths(emulator)).toEqual([]);
    });

    it('logs one audit line per job with the caller, pool, job, result and reason', async () => {
      const logs = captureLogs();
      const reason = 'SAP ECC maintenance, change CHG0042';

      await cancelRunning({ query: { dryRun: 'true' }, body: { reason } });

      const audit = logs
        .lines()
        .filter((line) => line.message === 'job cancel');
      expect(audit).toEqual(
        RUNNING_DEMO_JOBS.map((jobId) =>
          expect.objectContaining({
            caller: 'night-operator',
            pool: 'demo',
            jobId,
            result: 'would-cancel',
            dryRun: true,
            reason,
          }),
        ),
      );
    });

    it.each([
      ['yes', 'yes'],
      ['1', '1'],
      ['empty', ''],
    ])('answers 400 when dryRun is %s', async (_, dryRun) => {
      const answer = await cancelRunning({ query: { dryRun } });

      expect(answer).toEqual(problem(400, /^dryRun: .*true.*false/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it.each([
      ['above 25', '30'],
      ['not a number', 'soon'],
    ])('answers 400 when wait is %s', async (_, wait) => {
      const answer = await cancelRunning({ query: { wait } });

      expect(answer).toEqual(problem(400, /^wait: /));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 400 naming an unknown query parameter', async () => {
      const answer = await cancelRunning({ query: { force: 'true' } });

      expect(answer).toEqual(problem(400, /force/));
      expect(celonisRequests(emulator)).toEqual([]);
    });
  });

  describe('narrowing by the body', () => {
    it('targets only the running jobs named by jobIds, in any case', async () => {
      const answer = await cancelRunning({
        query: { dryRun: 'true' },
        body: { jobIds: [extractO2C.toUpperCase(), deltaO2C] },
      });

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          dryRun: true,
          results: [result(extractO2C, 'would-cancel')],
          summary: { 'would-cancel': 1 },
        },
      });
    });

    it('targets only the running jobs of dataSourceIds', async () => {
      const answer = await cancelRunning({
        query: { dryRun: 'true' },
        body: { dataSourceIds: [purchaseToPay] },
      });

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          dryRun: true,
          results: [
            result(extractP2P, 'would-cancel'),
            result(extractMasterData, 'would-cancel'),
          ],
          summary: { 'would-cancel': 2 },
        },
      });
    });

    it('targets the jobs that are in both lists when both are given', async () => {
      const answer = await cancelRunning({
        query: { dryRun: 'true' },
        body: {
          jobIds: [extractP2P, extractO2C],
          dataSourceIds: [purchaseToPay],
        },
      });

      expect(answer.body).toEqual({
        dryRun: true,
        results: [result(extractP2P, 'would-cancel')],
        summary: { 'would-cancel': 1 },
      });
    });

    it('cancels only the targets', async () => {
      const answer = await cancelRunning({
        query: { wait: '0' },
        body: { jobIds: [extractP2P], reason: 'only P2P' },
      });

      expect(answer).toEqual({
        statusCode: 202,
        headers: JSON_HEADERS,
        body: {
          dryRun: false,
          results: [result(extractP2P, 'cancel-requested')],
          summary: { 'cancel-requested': 1 },
        },
      });
      expect(cancelPaths(emulator)).toEqual(demoCancelPaths([extractP2P]));
    });

    it('answers 404 naming a job id the pool does not have', async () => {
      const answer = await cancelRunning({
        body: { jobIds: [extractP2P, UNKNOWN_JOB_ID] },
      });

      expect(answer).toEqual(problem(404, new RegExp(UNKNOWN_JOB_ID)));
      expect(cancelPaths(emulator)).toEqual([]);
    });

    it.each([
      ['an empty jobIds', { jobIds: [] }, /^body\.jobIds: /],
      ['an empty dataSourceIds', { dataSourceIds: [] }, /^body\.dataSourceIds/],
      ['a job id that is not a UUID', { jobIds: ['p2p'] }, /^body\.jobIds\.0/],
      ['jobIds that is not a list', { jobIds: extractP2P }, /^body\.jobIds/],
      ['an unknown field', { jobs: [extractP2P] }, /jobs/],
      ['a reason over 200 characters', { reason: 'r'.repeat(201) }, /reason/],
    ])('answers 400 for a body with %s', async (_, body, detail) => {
      const answer = await cancelRunning({ body });

      expect(answer).toEqual(problem(400, detail));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 400 when the body is not JSON', async () => {
      const answer = await cancelRunning({ body: '{"jobIds": [' });

      expect(answer).toEqual(problem(400, /^body: .*JSON/));
      expect(celonisRequests(emulator)).toEqual([]);
    });
  });

  // What the shared fixtures' firing alerts name: Alertmanager's two alerts
  // name P2P and the purchase-to-pay source; Grafana's one alert names P2P
  // and that source together. In the mixed ones, only the firing alert
  // counts: P2P for Alertmanager, an alert without labels for Grafana.
  describe.each([
    [
      'Alertmanager',
      'alertmanager',
      [extractP2P, extractMasterData],
      [extractP2P],
    ],
    ['Grafana', 'grafana', [extractP2P], RUNNING_DEMO_JOBS],
  ])('a %s webhook', (_, tool, firingTargets, mixedTargets) => {
    /**
     * The tool's firing notification with one alert per `labels`, each
     * without the fixture's own `celonis_*` labels; one plain alert when
     * no labels are given.
     */
    function firing(...labels: Record<string, string>[]): WebhookBody {
      const body = webhookFixture(`${tool}-firing`);
      const [template] = body.alerts;
      if (template === undefined) {
        throw new Error(`${tool}-firing has no alert`);
      }
      const plain = Object.fromEntries(
        Object.entries(template.labels).filter(
          ([name]) => !name.startsWith('celonis_'),
        ),
      );
      body.alerts = (labels.length > 0 ? labels : [{}]).map((extra) => ({
        ...template,
        labels: { ...plain, ...extra },
      }));

      return body;
    }

    it('targets the jobs its firing alerts name', async () => {
      const answer = await cancelRunning({
        query: { dryRun: 'true' },
        body: webhookFixture(`${tool}-firing`),
      });

      expect(answer.body).toEqual({
        dryRun: true,
        results: firingTargets.map((id) => result(id, 'would-cancel')),
        summary: { 'would-cancel': firingTargets.length },
      });
    });

    it('heeds only the firing alerts of a mixed notification', async () => {
      const answer = await cancelRunning({
        query: { dryRun: 'true' },
        body: webhookFixture(`${tool}-mixed`),
      });

      expect(answer.body).toEqual({
        dryRun: true,
        results: mixedTargets.map((id) => result(id, 'would-cancel')),
        summary: { 'would-cancel': mixedTargets.length },
      });
    });

    it('cancels every running job for an alert without celonis labels, without waiting', async () => {
      const answer = await cancelRunning({ body: firing() });

      expect(answer).toEqual({
        statusCode: 202,
        headers: JSON_HEADERS,
        body: {
          dryRun: false,
          results: RUNNING_DEMO_JOBS.map((id) =>
            result(id, 'cancel-requested'),
          ),
          summary: { 'cancel-requested': 3 },
        },
      });
      expect(celonisRoutes()).toEqual([
        'cancel',
        'cancel',
        'cancel',
        'jobs',
        'status',
      ]);
      expect(cancelPaths(emulator).sort()).toEqual(
        demoCancelPaths(RUNNING_DEMO_JOBS),
      );
    });

    it('ignores a resolved notification and sends no cancel', async () => {
      const answer = await cancelRunning({
        body: webhookFixture(`${tool}-resolved`),
      });

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: { result: 'ignored', detail: 'no firing alert' },
      });
      expect(cancelPaths(emulator)).toEqual([]);
    });

    it('ignores a resolved notification even on a dry run', async () => {
      const answer = await cancelRunning({
        query: { dryRun: 'true' },
        body: webhookFixture(`${tool}-resolved`),
      });

      expect(answer.body).toEqual({
        result: 'ignored',
        detail: 'no firing alert',
      });
    });

    it('targets the job of the celonis_job_id label', async () => {
      const answer = await cancelRunning({
        body: firing({ celonis_job_id: extractO2C }),
      });

      expect(answer.body).toEqual({
        dryRun: false,
        results: [result(extractO2C, 'cancel-requested')],
        summary: { 'cancel-requested': 1 },
      });
      expect(cancelPaths(emulator)).toEqual(demoCancelPaths([extractO2C]));
    });

    it('targets the jobs of the celonis_data_source_id label', async () => {
      const answer = await cancelRunning({
        body: firing({ celonis_data_source_id: purchaseToPay }),
      });

      expect(answer.body).toEqual({
        dryRun: false,
        results: [
          result(extractP2P, 'cancel-requested'),
          result(extractMasterData, 'cancel-requested'),
        ],
        summary: { 'cancel-requested': 2 },
      });
      expect(cancelPaths(emulator).sort()).toEqual(
        demoCancelPaths([extractP2P, extractMasterData]),
      );
    });

    it('targets the jobs of every firing alert and of no resolved one', async () => {
      const body = firing(
        { celonis_job_id: extractP2P },
        { celonis_job_id: extractMasterData },
        { celonis_job_id: extractO2C },
      );
      const resolved = body.alerts[2];
      if (resolved !== undefined) {
        resolved.status = 'resolved';
      }

      const answer = await cancelRunning({ query: { dryRun: 'true' }, body });

      expect(answer.body).toEqual({
        dryRun: true,
        results: [
          result(extractP2P, 'would-cancel'),
          result(extractMasterData, 'would-cancel'),
        ],
        summary: { 'would-cancel': 2 },
      });
    });

    it('answers would-cancel with ?dryRun=true and sends no cancel', async () => {
      const answer = await cancelRunning({
        query: { dryRun: 'true' },
        body: firing(),
      });

      expect(answer).toEqual({
        statusCode: 200,
        headers: JSON_HEADERS,
        body: {
          dryRun: true,
          results: RUNNING_DEMO_JOBS.map((id) => result(id, 'would-cancel')),
          summary: { 'would-cancel': 3 },
        },
      });
      expect(cancelPaths(emulator)).toEqual([]);
    });

    it.each([
      ['celonis_job_id', 'extract-p2p'],
      ['celonis_data_source_id', 'SAP ECC'],
    ])('answers 400 naming a malformed %s label', async (label, value) => {
      const answer = await cancelRunning({ body: firing({ [label]: value }) });

      expect(answer).toEqual(problem(400, new RegExp(label)));
      expect(celonisRequests(emulator)).toEqual([]);
    });
  });

  it('waits for a webhook when its URL asks for it', async () => {
    const answer = await cancelRunning({
      query: { wait: '2' },
      body: webhookFixture('alertmanager-mixed'),
    });

    expect(answer).toEqual({
      statusCode: 200,
      headers: JSON_HEADERS,
      body: {
        dryRun: false,
        results: [result(extractP2P, 'cancelled')],
        summary: { cancelled: 1 },
      },
    });
  });

  describe('authorization', () => {
    it.each([
      ['no Authorization header', {}],
      ['an unknown token', { authorization: `Bearer ${READER_TOKEN}x` }],
      ['the Basic scheme', { authorization: `Basic ${OPERATOR_TOKEN}` }],
    ])('answers 401 with a Bearer challenge for %s', async (_, headers) => {
      const event = routeEvent(
        CANCEL_RUNNING,
        { pool: 'demo' },
        { headers, body: webhookFixture('alertmanager-firing') },
      );

      const answer = await call(event);

      expect(answer).toEqual(unauthorized());
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 401 to a token in the query string', async () => {
      const event = routeEvent(
        CANCEL_RUNNING,
        { pool: 'demo' },
        { query: { token: OPERATOR_TOKEN, access_token: OPERATOR_TOKEN } },
      );

      const answer = await call(event);

      expect(answer).toEqual(unauthorized());
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it.each([
      ['a malformed pool', 'SAP ECC'],
      ['an unconfigured pool', UNCONFIGURED_POOL],
    ])('answers 401 before it looks at %s', async (_, pool) => {
      const event = routeEvent(
        CANCEL_RUNNING,
        { pool },
        { body: '{', query: { dryRun: 'maybe' } },
      );

      const answer = await call(event);

      expect(answer).toEqual(unauthorized());
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 403 to a token without the jobs:cancel scope', async () => {
      const answer = await cancelRunning({ token: READER_TOKEN });

      expect(answer).toEqual(problem(403, /jobs:cancel/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it('answers 403 to a token for another pool, webhook or not', async () => {
      const plain = await cancelRunning({ token: OTHER_POOL_TOKEN });
      const webhook = await cancelRunning({
        token: OTHER_POOL_TOKEN,
        body: webhookFixture('grafana-firing'),
      });

      expect(plain).toEqual(problem(403, /demo/));
      expect(webhook).toEqual(problem(403, /demo/));
      expect(celonisRequests(emulator)).toEqual([]);
    });

    it.each([
      ['a token for every pool', ADMIN_TOKEN],
      ['a token that names the pool by id', DEMO_BY_ID_TOKEN],
    ])('lets %s act on the pool', async (_, token) => {
      const answer = await cancelRunning({ token, query: { dryRun: 'true' } });

      expect(answer.statusCode).toBe(200);
    });

    it('answers 404 to an operator for a pool that is not configured', async () => {
      const answer = await cancelRunning({}, UNCONFIGURED_POOL);

      expect(answer).toEqual(problem(404, /hr/));
      expect(celonisRequests(emulator)).toEqual([]);
    });
  });
});
