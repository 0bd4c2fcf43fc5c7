/**
 * Property-based tests of the two HTTP functions, in-process against the
 * Celonis emulator: whatever the path parameters, query string, headers and
 * body, the answer is never a 500, every 4xx is a problem that says what
 * was wrong, and nothing reaches Celonis but configured pool ids and
 * validated job ids.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../helpers/events.ts';
import {
  CRM_JOB_ID,
  CRM_POOL_ID,
  DEMO_POOL_ID,
  FINISHED_JOB_ID,
  GHOST_POOL_ID,
  POOL_IDS,
  RUNNING_JOB_ID,
  startFaultHarness,
} from '../helpers/fault-harness.ts';
import {
  ADMIN_TOKEN,
  type Functions,
  type HandlerHarness,
  type Route,
  routeEvent,
} from '../helpers/handler-harness.ts';
import { OPERATOR_TOKEN } from '../helpers/secrets.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const POOL = `(?:${POOL_IDS.join('|')})`;
const ALLOWED_CELONIS_PATHS: Record<string, RegExp> = {
  GET: new RegExp(
    `^/integration/api/pools/${POOL}/(?:jobs|logs/status|jobs/${UUID})$`,
  ),
  POST: new RegExp(`^/integration/api/pools/${POOL}/jobs/${UUID}/cancel$`),
};

/** The statuses a request without faults may get. */
const EXPECTED_STATUSES = [200, 202, 400, 404, 502];

// A 400 says which input was wrong; see `lib/http.ts` and `validation.ts`.
const NAMES_THE_INPUT =
  /^(?:pool|jobId|status|wait|dryRun|body)\b|^Unknown query parameter /;

const RUNS = { numRuns: 200 };

// 0.3 s for Celonis after the 1.5 s margin: plenty for the local emulator,
// and it cuts the cancel routes' wait short.
const REMAINING_MS = 1_800;
/** Each property runs a few hundred requests. */
const PROPERTY_TIMEOUT_MS = 30_000;

// Inputs that look almost right, or try to leave their path segment.
const NASTY = [
  '',
  ' ',
  '*',
  '.',
  '..',
  '../crm',
  'demo/../crm',
  '%2e%2e',
  'demo%2Fjobs',
  'demo?status=RUNNING',
  'demo#x',
  ' demo',
  'demo\n',
  'DEMO',
  'dem\u00f6',
  'demo\u0000',
  `${DEMO_POOL_ID}/jobs`,
  `${DEMO_POOL_ID} `,
  `{${DEMO_POOL_ID}}`,
  `${RUNNING_JOB_ID}/cancel`,
  `${RUNNING_JOB_ID.slice(0, -1)}g`,
  RUNNING_JOB_ID.replaceAll('-', ''),
  'a'.repeat(65),
  '__proto__',
  'constructor',
];

// Whole Unicode graphemes: API Gateway decodes paths from UTF-8, so a lone
// surrogate never reaches a handler.
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.constantFrom(...NASTY),
);

// Weighted towards valid input, so that most runs get past validation and
// reach Celonis, where a wrong id would show.
const poolParam = fc.oneof(
  {
    weight: 7,
    arbitrary: fc.constantFrom(
      'demo',
      'crm',
      'ghost',
      DEMO_POOL_ID,
      DEMO_POOL_ID.toUpperCase(),
      CRM_POOL_ID,
      GHOST_POOL_ID,
    ),
  },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,64}$/) },
  { weight: 1, arbitrary: anyText },
);

const jobIdParam = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      RUNNING_JOB_ID,
      RUNNING_JOB_ID.toUpperCase(),
      FINISHED_JOB_ID,
      CRM_JOB_ID,
    ),
  },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: anyText },
);

const queryValue = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '0.5',
    '25',
    '26',
    '-1',
    'NaN',
    'Infinity',
    '1e1',
    'true',
    'false',
    'TRUE',
    'RUNNING',
    'running,queued',
    'RUNNING,,',
    'CANCELLED',
    'none,unknown',
  ),
  anyText,
);

/** Query strings: none, the route's own parameters, or anything. */
function queryFor(method: 'GET' | 'POST') {
  const known =
    method === 'GET'
      ? fc.record({
          status: fc.constantFrom('RUNNING', 'running, queued', 'SUCCESS,none'),
        })
      : fc.record(
          {
            wait: fc.constantFrom('0', '0.1', '25'),
            dryRun: fc.constantFrom('true', 'false'),
          },
          { requiredKeys: [] },
        );

  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: known },
    {
      weight: 2,
      arbitrary: fc.dictionary(
        fc.oneof(fc.constantFrom('status', 'wait', 'dryRun'), anyText),
        queryValue,
        { maxKeys: 3 },
      ),
    },
  );
}

const idList = fc.array(jobIdParam, { maxLength: 3 });

const alert = fc.record(
  {
    status: fc.oneof(fc.constantFrom('firing', 'resolved'), anyText),
    labels: fc.record(
      {
        alertname: anyText,
        celonis_job_id: jobIdParam,
        celonis_data_source_id: jobIdParam,
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

const bodyValue = fc.oneof(
  fc.record(
    {
      jobIds: idList,
      dataSourceIds: idList,
      reason: fc.string({ maxLength: 220 }),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      version: fc.constantFrom('4', '1'),
      alerts: fc.array(alert, { maxLength: 3 }),
    },
    { requiredKeys: ['alerts'] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

const body = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: bodyValue.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: anyText },
);

interface Input {
  pool: string | undefined;
  jobId: string | undefined;
  query: Record<string, string> | undefined;
  accept: string | undefined;
  body: string | undefined;
  base64: boolean;
}

function inputFor(method: 'GET' | 'POST'): fc.Arbitrary<Input> {
  return fc.record({
    pool: fc.option(poolParam, { nil: undefined, freq: 10 }),
    jobId: fc.option(jobIdParam, { nil: undefined }),
    query: queryFor(method),
    accept: fc.option(
      fc.oneof(fc.constantFrom('text/plain', 'application/json'), anyText),
      { nil: undefined },
    ),
    body,
    base64: fc.boolean(),
  });
}

function routeOf(method: 'GET' | 'POST', value: Input): Route {
  if (method === 'GET') {
    return value.jobId === undefined
      ? 'GET /pools/{pool}/jobs'
      : 'GET /pools/{pool}/jobs/{jobId}';
  }

  return value.jobId === undefined
    ? 'POST /pools/{pool}/cancel-running'
    : 'POST /pools/{pool}/jobs/{jobId}/cancel';
}

function eventOf(method: 'GET' | 'POST', value: Input, token: string) {
  const pathParameters: Record<string, string> = {};
  if (value.pool !== undefined) {
    pathParameters.pool = value.pool;
  }
  if (value.jobId !== undefined) {
    pathParameters.jobId = value.jobId;
  }
  const raw = value.body;
  const event = routeEvent(routeOf(method, value), pathParameters, {
    ...(value.query && { query: value.query }),
    ...(value.accept !== undefined && { headers: { accept: value.accept } }),
    ...(raw !== undefined && {
      body: value.base64 ? Buffer.from(raw).toString('base64') : raw,
    }),
    token,
  });

  return { ...event, isBase64Encoded: value.base64 && raw !== undefined };
}

describe('HTTP functions under any input', () => {
  let harness: HandlerHarness;
  let functions: Functions;

  beforeAll(async () => {
    harness = await startFaultHarness();
    functions = await harness.loadFunctions();
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function answer(method: 'GET' | 'POST', value: Input, token: string) {
    harness.emulator.setJobStatus(DEMO_POOL_ID, RUNNING_JOB_ID, 'RUNNING');
    harness.emulator.clearRequests();
    const handler = method === 'GET' ? functions.status : functions.cancel;
    const result = await handler(
      eventOf(method, value, token),
      lambdaContext(REMAINING_MS),
    );

    const requests = harness.celonisRequests();
    if (requests.length > 0) {
      await settle();
    }

    return { result, requests };
  }

  // A call that fails can leave its sibling (the status list fetched
  // alongside) in flight, to land after the answer: wait for it, so that
  // the next run's requests are its own.
  async function settle(): Promise<void> {
    let seen = -1;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const requests = harness.celonisRequests();
      if (requests.length === seen && requests.every((r) => r.status > 0)) {
        return;
      }
      seen = requests.length;
    }
  }

  function assertAnswer(
    result: Awaited<ReturnType<typeof answer>>['result'],
  ): void {
    expect(EXPECTED_STATUSES).toContain(result.statusCode);
    if (result.statusCode >= 400) {
      expect(result.headers['content-type']).toBe('application/problem+json');
      const problem = JSON.parse(result.body);
      expect(Object.keys(problem).sort()).toEqual([
        'detail',
        'status',
        'title',
        'type',
      ]);
      expect(problem.status).toBe(result.statusCode);
      expect(problem.detail).toEqual(expect.stringMatching(/\S/));
    }
    if (result.statusCode === 400) {
      expect(JSON.parse(result.body).detail).toMatch(NAMES_THE_INPUT);
    }
  }

  for (const method of ['GET', 'POST'] as const) {
    const name = method === 'GET' ? 'status' : 'cancel';

    it(
      `${name}: never answers 500; Celonis sees configured pool ids and UUIDs only, and nothing of a 400`,
      async () => {
        await fc.assert(
          fc.asyncProperty(inputFor(method), async (value) => {
            // Act
            const { result, requests } = await answer(
              method,
              value,
              ADMIN_TOKEN,
            );

            // Assess
            assertAnswer(result);
            if (result.statusCode === 400) {
              expect(requests).toEqual([]);
            }
            for (const request of requests) {
              expect(request.path).toMatch(
                ALLOWED_CELONIS_PATHS[request.method] ?? /^$/,
              );
            }
          }),
          RUNS,
        );
      },
      PROPERTY_TIMEOUT_MS,
    );

    it(
      `${name}: without a valid token answers 401 whatever else is wrong`,
      async () => {
        const token = fc.oneof(
          fc.constant(''),
          fc.string({ maxLength: 80 }),
          fc.constant(ADMIN_TOKEN.toUpperCase()),
          fc.constant(`${OPERATOR_TOKEN}x`),
        );

        await fc.assert(
          fc.asyncProperty(inputFor(method), token, async (value, bad) => {
            // Act
            const { result, requests } = await answer(method, value, bad);

            // Assess
            expect(result.statusCode).toBe(401);
            expect(result.headers['www-authenticate']).toBe('Bearer');
            expect(requests).toEqual([]);
          }),
          RUNS,
        );
      },
      PROPERTY_TIMEOUT_MS,
    );
  }
});
