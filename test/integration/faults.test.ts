/**
 * Every route against every fault Celonis can throw at it, table-driven:
 * the functions run in-process against the emulator, whose faults hit one
 * Celonis route at a time, either until cleared (persistent) or once
 * (transient: the retry must heal it). Each row checks what the caller gets
 * (status, problem, `Retry-After`), how often Celonis was asked, and that
 * the answer came before the function's own deadline.
 *
 * Jitter is pinned (`Math.random`), so attempts and pauses are exact; the
 * last rows run the longest jitter, a short deadline, a server hint that
 * outlasts the deadline, and a hang with time left for a retry.
 */
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
} from 'vitest';
import {
  FAULT_KINDS,
  type FaultKind,
  type RouteName,
} from '../../emulator/types.ts';
import { lambdaContext } from '../helpers/events.ts';
import {
  DEMO_POOL_ID,
  RUNNING_JOB_ID,
  startFaultHarness,
} from '../helpers/fault-harness.ts';
import {
  ADMIN_TOKEN,
  CELONIS_SECRET_ID,
  type Functions,
  type HandlerHarness,
  routeEvent,
} from '../helpers/handler-harness.ts';
import { APP_KEY, ROTATED_APP_KEY } from '../helpers/secrets.ts';

/** What each function has left for Celonis after its own margin. */
const DEADLINE_MS = 1_500;
const HTTP_MARGIN_MS = 1_500;
const AUTO_CANCEL_MARGIN_MS = 5_000;
/** Time after the deadline to shape and return the answer. */
const ANSWER_SLACK_MS = 400;
/** `Math.random` in the table: retry n waits 0.1 × 250 ms × 2^(n-1). */
const JITTER = 0.1;
const BACKOFF_MS = [25, 50, 100];
/** The wait of the cancel routes: one poll after the cancel. */
const WAIT_SECONDS = 0.1;

// Pieces of the emulator's error bodies and pages: none may reach a caller.
const RAW_BODY_MARKERS = [
  '<',
  'shortMessage',
  'reference',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
  'UNAUTHORIZED',
  'FORBIDDEN',
  '"unexpected":true',
  'main job","sta',
];

type Shape = 'problem' | 'bulk' | 'auto';

interface Verdict {
  /** HTTP status, or how the autoCancel invocation ended. */
  outcome: number | 'resolved' | 'rejected';
  /** The problem's detail, the failed result's error, or the rejection. */
  detail: string | undefined;
  retryAfter: string | undefined;
  contentType: string | undefined;
  /** Everything the caller gets to see. */
  text: string;
  body: unknown;
}

interface Target {
  /** The function's route, as the table shows it. */
  route: string;
  /** The Celonis route the fault hits. */
  faultOn: RouteName;
  /** The Celonis endpoint a give-up names. */
  endpoint: string;
  /** How a give-up shows: a problem, a failed result, a failed run. */
  shape: Shape;
  /** For autoCancel: what the failed run's error names. */
  rejection?: string;
  invoke(functions: Functions, deadlineMs: number): Promise<Verdict>;
  assertHealed(verdict: Verdict, harness: HandlerHarness): void;
  /** For a fault on the cancel: acknowledged, yet nothing changed. */
  assertUnconfirmed?(verdict: Verdict, harness: HandlerHarness): void;
}

/**
 * `healed`: the answer as without a fault. `gave-up`: the give-up answer.
 * `unconfirmed`: the cancel was acknowledged but did not happen (a faulted
 * request changes nothing in the emulator): the job is still reported
 * running, never cancelled.
 */
type Answer = 'healed' | 'gave-up' | 'unconfirmed';

interface Expected {
  answer: Answer;
  /** The status of a give-up problem. */
  status?: number;
  /** What the detail says, after `Celonis (<endpoint>)`. */
  phrase?: string;
  /** Whether the detail names the endpoint; the credentials one does not. */
  namesEndpoint?: boolean;
  retryAfter?: string;
  /** Requests Celonis saw on the faulted route (rotation: rejected ones). */
  attempts: number;
  /** Minimum pause before each retry, as Celonis saw the requests arrive. */
  gapsMs?: readonly number[];
  secretReads?: number;
  minElapsedMs?: number;
}

interface Row {
  target: Target;
  fault: FaultKind | 'rotation';
  /** Absent: the fault stays until cleared. */
  times?: number;
  retryAfterSeconds?: number;
  /** Default `DEADLINE_MS`. */
  deadlineMs?: number;
  /** `Math.random` for this row; default `JITTER`. */
  jitter?: number;
  /** What sets the row apart, for its title. */
  note?: string;
  expected: Expected;
}

const PROBLEM_MEMBERS = ['detail', 'status', 'title', 'type'];
const PROBLEM_TITLES: Record<number, string> = {
  502: 'Celonis error',
  503: 'Celonis unavailable',
  504: 'Celonis timeout',
};

async function httpVerdict(
  answer: Promise<{
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  }>,
): Promise<Verdict> {
  const { statusCode, headers, body } = await answer;
  const json = JSON.parse(body) as {
    detail?: string;
    results?: { error?: string }[];
  };

  return {
    outcome: statusCode,
    detail: json.detail ?? json.results?.find((r) => r.error)?.error,
    retryAfter: headers['retry-after'],
    contentType: headers['content-type'],
    text: body,
    body: json,
  };
}

async function autoCancelVerdict(run: Promise<unknown>): Promise<Verdict> {
  try {
    const value = await run;

    return {
      outcome: 'resolved',
      detail: undefined,
      retryAfter: undefined,
      contentType: undefined,
      text: JSON.stringify(value),
      body: value,
    };
  } catch (error) {
    const message = (error as Error).message;

    return {
      outcome: 'rejected',
      detail: message,
      retryAfter: undefined,
      contentType: undefined,
      text: message,
      body: undefined,
    };
  }
}

function httpContext(deadlineMs: number) {
  return lambdaContext(deadlineMs + HTTP_MARGIN_MS, 'http');
}

/** The running job's status in Celonis, whatever the service said. */
function jobInCelonis(harness: HandlerHarness) {
  return harness.emulator.getJob(DEMO_POOL_ID, RUNNING_JOB_ID)?.status;
}

const statusList: Target = {
  route: 'GET /pools/{pool}/jobs',
  faultOn: 'jobs',
  endpoint: 'GET /pools/{poolId}/jobs',
  shape: 'problem',
  invoke: ({ status }, deadlineMs) =>
    httpVerdict(
      status(
        routeEvent(
          'GET /pools/{pool}/jobs',
          { pool: 'demo' },
          { token: ADMIN_TOKEN },
        ),
        httpContext(deadlineMs),
      ),
    ),
  assertHealed: (verdict) => {
    expect(verdict.outcome).toBe(200);
    expect(verdict.body).toMatchObject({
      pool: { id: DEMO_POOL_ID, alias: 'demo' },
      jobs: [
        {
          id: RUNNING_JOB_ID,
          name: 'main job',
          status: 'RUNNING',
          lastExecutionStartDate: new Date(1_796_420_000_000).toISOString(),
        },
        { name: 'nightly extract', status: 'SUCCESS' },
      ],
    });
  },
};

const statusOne: Target = {
  route: 'GET /pools/{pool}/jobs/{jobId}',
  faultOn: 'job',
  endpoint: 'GET /pools/{poolId}/jobs/{jobId}',
  shape: 'problem',
  invoke: ({ status }, deadlineMs) =>
    httpVerdict(
      status(
        routeEvent(
          'GET /pools/{pool}/jobs/{jobId}',
          { pool: 'demo', jobId: RUNNING_JOB_ID },
          { token: ADMIN_TOKEN },
        ),
        httpContext(deadlineMs),
      ),
    ),
  assertHealed: (verdict) => {
    expect(verdict.outcome).toBe(200);
    expect(verdict.body).toMatchObject({
      job: { id: RUNNING_JOB_ID, name: 'main job', status: 'RUNNING' },
    });
  },
};

function cancelOneVerdict(
  { cancel }: Functions,
  deadlineMs: number,
): Promise<Verdict> {
  return httpVerdict(
    cancel(
      routeEvent(
        'POST /pools/{pool}/jobs/{jobId}/cancel',
        { pool: 'demo', jobId: RUNNING_JOB_ID },
        { query: { wait: String(WAIT_SECONDS) }, token: ADMIN_TOKEN },
      ),
      httpContext(deadlineMs),
    ),
  );
}

const cancelOne: Target = {
  route: 'POST /pools/{pool}/jobs/{jobId}/cancel',
  faultOn: 'cancel',
  endpoint: 'POST /pools/{poolId}/jobs/{jobId}/cancel',
  shape: 'problem',
  invoke: cancelOneVerdict,
  assertHealed: (verdict, harness) => {
    expect(verdict.outcome).toBe(200);
    expect(verdict.body).toMatchObject({
      result: 'cancelled',
      previousStatus: 'RUNNING',
      job: { id: RUNNING_JOB_ID, status: 'CANCEL' },
    });
    expect(jobInCelonis(harness)).toBe('CANCEL');
  },
  assertUnconfirmed: (verdict, harness) => {
    expect(verdict.outcome).toBe(202);
    expect(verdict.body).toMatchObject({
      result: 'cancel-requested',
      previousStatus: 'RUNNING',
      job: { id: RUNNING_JOB_ID, status: 'RUNNING' },
    });
    expect(jobInCelonis(harness)).toBe('RUNNING');
  },
};

function cancelRunningVerdict(
  { cancel }: Functions,
  deadlineMs: number,
): Promise<Verdict> {
  return httpVerdict(
    cancel(
      routeEvent(
        'POST /pools/{pool}/cancel-running',
        { pool: 'demo' },
        { query: { wait: String(WAIT_SECONDS) }, token: ADMIN_TOKEN },
      ),
      httpContext(deadlineMs),
    ),
  );
}

function assertBulkSuccess(verdict: Verdict, harness: HandlerHarness): void {
  expect(verdict.outcome).toBe(200);
  expect(verdict.body).toEqual({
    dryRun: false,
    results: [
      {
        jobId: RUNNING_JOB_ID,
        name: 'main job',
        previousStatus: 'RUNNING',
        result: 'cancelled',
        status: 'CANCEL',
      },
    ],
    summary: { cancelled: 1 },
  });
  expect(jobInCelonis(harness)).toBe('CANCEL');
}

const cancelRunningList: Target = {
  route: 'POST /pools/{pool}/cancel-running',
  faultOn: 'jobs',
  endpoint: 'GET /pools/{poolId}/jobs',
  shape: 'problem',
  invoke: cancelRunningVerdict,
  assertHealed: assertBulkSuccess,
};

const cancelRunningCancel: Target = {
  ...cancelRunningList,
  faultOn: 'cancel',
  endpoint: 'POST /pools/{poolId}/jobs/{jobId}/cancel',
  shape: 'bulk',
  assertUnconfirmed: (verdict, harness) => {
    expect(verdict.outcome).toBe(202);
    expect(verdict.body).toMatchObject({
      results: [
        {
          jobId: RUNNING_JOB_ID,
          result: 'cancel-requested',
          status: 'RUNNING',
        },
      ],
      summary: { 'cancel-requested': 1 },
    });
    expect(jobInCelonis(harness)).toBe('RUNNING');
  },
};

function autoCancelRun(
  { autoCancel }: Functions,
  deadlineMs: number,
): Promise<Verdict> {
  return autoCancelVerdict(
    autoCancel(
      { pools: ['demo'], waitSeconds: WAIT_SECONDS, reason: 'fault table' },
      lambdaContext(deadlineMs + AUTO_CANCEL_MARGIN_MS, 'auto-cancel'),
    ),
  );
}

function assertAutoCancelSuccess(
  verdict: Verdict,
  harness: HandlerHarness,
): void {
  expect(verdict.outcome).toBe('resolved');
  expect(verdict.body).toEqual({
    dryRun: false,
    results: [
      {
        pool: 'demo',
        jobId: RUNNING_JOB_ID,
        name: 'main job',
        previousStatus: 'RUNNING',
        result: 'cancelled',
        status: 'CANCEL',
      },
    ],
    summary: { cancelled: 1 },
  });
  expect(jobInCelonis(harness)).toBe('CANCEL');
}

const autoCancelList: Target = {
  route: 'autoCancel',
  faultOn: 'jobs',
  endpoint: 'GET /pools/{poolId}/jobs',
  shape: 'auto',
  rejection: 'demo (not listed)',
  invoke: autoCancelRun,
  assertHealed: assertAutoCancelSuccess,
};

const autoCancelCancel: Target = {
  ...autoCancelList,
  faultOn: 'cancel',
  endpoint: 'POST /pools/{poolId}/jobs/{jobId}/cancel',
  rejection: 'demo/main job (failed)',
  assertUnconfirmed: (verdict, harness) => {
    expect(verdict.outcome).toBe('rejected');
    expect(verdict.detail).toBe(
      'Auto-cancel incomplete: demo/main job (cancel-requested).',
    );
    expect(jobInCelonis(harness)).toBe('RUNNING');
  },
};

const TARGETS = [
  statusList,
  statusOne,
  cancelOne,
  cancelRunningList,
  cancelRunningCancel,
  autoCancelList,
  autoCancelCancel,
];

const CREDENTIALS_REJECTED = "Celonis rejected the service's own credentials";

/** What each fault ends in when it never stops. */
const GIVE_UP: Record<FaultKind, Expected> = {
  // x-ratelimit-reset: 30 does not fit the deadline: no pointless wait.
  '429': {
    answer: 'gave-up',
    status: 503,
    phrase: 'is rate limiting (HTTP 429)',
    retryAfter: '30',
    attempts: 1,
  },
  '429-no-headers': {
    answer: 'gave-up',
    status: 503,
    phrase: 'is rate limiting (HTTP 429)',
    attempts: 4,
    gapsMs: BACKOFF_MS,
  },
  '500': {
    answer: 'gave-up',
    status: 502,
    phrase: 'answered HTTP 500',
    attempts: 4,
    gapsMs: BACKOFF_MS,
  },
  '502': {
    answer: 'gave-up',
    status: 502,
    phrase: 'answered HTTP 502',
    attempts: 4,
    gapsMs: BACKOFF_MS,
  },
  '503': {
    answer: 'gave-up',
    status: 503,
    phrase: 'is unavailable (HTTP 503)',
    attempts: 4,
    gapsMs: BACKOFF_MS,
  },
  // Celonis's own gateway gave up waiting: a timeout, like a hang.
  '504': {
    answer: 'gave-up',
    status: 504,
    phrase: 'did not answer in time (HTTP 504 from its gateway)',
    attempts: 4,
    gapsMs: BACKOFF_MS,
  },
  // The attempt's timeout is the time left: nothing remains for a retry.
  hang: {
    answer: 'gave-up',
    status: 504,
    phrase: 'did not answer in time',
    attempts: 1,
    minElapsedMs: DEADLINE_MS - 50,
  },
  reset: {
    answer: 'gave-up',
    status: 503,
    phrase: 'could not be reached',
    attempts: 4,
    gapsMs: BACKOFF_MS,
  },
  html: {
    answer: 'gave-up',
    status: 502,
    phrase: 'an HTML page',
    attempts: 1,
  },
  empty: {
    answer: 'gave-up',
    status: 502,
    phrase: 'an empty body',
    attempts: 1,
  },
  'wrong-shape': {
    answer: 'gave-up',
    status: 502,
    phrase: 'JSON of an unexpected shape',
    attempts: 1,
  },
  truncated: {
    answer: 'gave-up',
    status: 502,
    phrase: 'a body that is not valid JSON',
    attempts: 1,
  },
  '401': {
    answer: 'gave-up',
    status: 502,
    phrase: `${CREDENTIALS_REJECTED} (HTTP 401)`,
    namesEndpoint: false,
    attempts: 2,
    secretReads: 2,
  },
  '403': {
    answer: 'gave-up',
    status: 502,
    phrase: `${CREDENTIALS_REJECTED} (HTTP 403)`,
    namesEndpoint: false,
    attempts: 2,
    secretReads: 2,
  },
};

/**
 * Celonis acknowledges a cancel with an empty body, which the service does
 * not read: any JSON answer with a 200 counts as acknowledged, and the job
 * is then followed. An HTML page does not count: it comes from something
 * other than the API, so the cancel may not have reached Celonis.
 */
const CANCEL_BODY_IGNORED: readonly FaultKind[] = [
  'empty',
  'wrong-shape',
  'truncated',
];

/** Faults one retry heals; the rest are not retried, or need the deadline. */
const HEALED_BY_RETRY: readonly FaultKind[] = [
  '429',
  '429-no-headers',
  '500',
  '502',
  '503',
  '504',
  'reset',
  '401',
  '403',
];

function persistentRow(target: Target, fault: FaultKind): Row {
  if (target.faultOn === 'cancel' && CANCEL_BODY_IGNORED.includes(fault)) {
    return { target, fault, expected: { answer: 'unconfirmed', attempts: 1 } };
  }

  return {
    target,
    fault,
    ...(fault === '429' && { retryAfterSeconds: 30 }),
    expected: GIVE_UP[fault],
  };
}

function transientRow(target: Target, fault: FaultKind): Row {
  const expected: Expected = { answer: 'healed', attempts: 2 };
  if (fault === '429') {
    // x-ratelimit-reset: 1 fits the deadline, and is waited for.
    return {
      target,
      fault,
      times: 1,
      retryAfterSeconds: 1,
      expected: { ...expected, gapsMs: [1_000], minElapsedMs: 1_000 },
    };
  }
  if (fault === '401' || fault === '403') {
    return {
      target,
      fault,
      times: 1,
      expected: { ...expected, secretReads: 2 },
    };
  }

  return { target, fault, times: 1, expected: { ...expected, gapsMs: [25] } };
}

// A rotated key: Celonis takes only the new one, the secret holds the old
// one until its first re-read. Both first calls (job list and status list,
// or job and status list) are rejected once.
function rotationRow(target: Target): Row {
  return {
    target,
    fault: 'rotation',
    expected: { answer: 'healed', attempts: 2, secretReads: 2 },
  };
}

const PERSISTENT_ROWS = TARGETS.flatMap((target) =>
  FAULT_KINDS.map((fault) => persistentRow(target, fault)),
);
const TRANSIENT_ROWS = TARGETS.flatMap((target) =>
  HEALED_BY_RETRY.map((fault) => transientRow(target, fault)),
);
const ROTATION_ROWS = [
  statusList,
  statusOne,
  cancelOne,
  cancelRunningList,
  autoCancelList,
].map(rotationRow);

// Where the deadline, not the fault, decides: on the job list of the
// status route, as every route shares the one HTTP layer.
const TIMING_ROWS: Row[] = [
  {
    target: statusList,
    fault: '502',
    jitter: 0.999,
    deadlineMs: 2_000,
    note: 'longest jitter, 2 s deadline',
    expected: {
      ...GIVE_UP['502'],
      gapsMs: [249, 499, 999],
      minElapsedMs: 1_747,
    },
  },
  {
    target: statusList,
    fault: '502',
    jitter: 0.999,
    deadlineMs: 1_000,
    note: 'longest jitter, 1 s deadline: the third pause does not fit',
    expected: { ...GIVE_UP['502'], attempts: 3, minElapsedMs: 748 },
  },
  {
    target: statusList,
    fault: '429',
    retryAfterSeconds: 1,
    note: 'reset 1 s: waited once, the second wait does not fit',
    expected: {
      ...GIVE_UP['429'],
      retryAfter: '1',
      attempts: 2,
      gapsMs: [1_000],
      minElapsedMs: 1_000,
    },
  },
  {
    target: statusList,
    fault: 'hang',
    times: 1,
    deadlineMs: 11_000,
    note: '11 s deadline: the attempt times out after 10 s, the retry heals',
    expected: { answer: 'healed', attempts: 2, minElapsedMs: 10_000 },
  },
];

function describeRow(row: Row): string {
  const { expected } = row;
  let fault = `${row.fault} until cleared`;
  if (row.fault === 'rotation') {
    fault = 'a rotated key';
  } else if (row.times !== undefined) {
    fault = `${row.fault} once`;
  }
  let answer = 'answers as without it';
  if (expected.answer === 'unconfirmed') {
    answer = 'reports the job as still running';
  } else if (expected.answer === 'gave-up') {
    answer =
      row.target.shape === 'auto'
        ? `fails naming ${row.target.rejection}`
        : `answers ${row.target.shape === 'bulk' ? 502 : expected.status}`;
  }
  const note = row.note ? ` (${row.note})` : '';

  return `${fault}${note}: ${answer} after ${expected.attempts} request(s)`;
}

function attemptsOf(row: Row, harness: HandlerHarness): number {
  if (row.fault === 'rotation') {
    return harness.celonisRequests().filter((r) => r.status === 401).length;
  }

  return harness.celonisRequests(row.target.faultOn).length;
}

function gapsOf(row: Row, harness: HandlerHarness): number[] {
  const times = harness.celonisRequests(row.target.faultOn).map((r) => r.at);

  return times.slice(1).map((at, index) => at - (times[index] ?? at));
}

function assertGiveUp(row: Row, verdict: Verdict): void {
  const { target, expected } = row;
  if (target.shape === 'auto') {
    expect(verdict.outcome).toBe('rejected');
    expect(verdict.detail).toContain(target.rejection);
    return;
  }
  if (expected.namesEndpoint !== false) {
    expect(verdict.detail).toContain(`Celonis (${target.endpoint})`);
  }
  expect(verdict.detail).toContain(expected.phrase);
  for (const marker of RAW_BODY_MARKERS) {
    expect(verdict.text).not.toContain(marker);
  }
  if (target.shape === 'bulk') {
    expect(verdict.outcome).toBe(502);
    expect(verdict.body).toMatchObject({
      results: [{ jobId: RUNNING_JOB_ID, result: 'failed', status: 'RUNNING' }],
      summary: { failed: 1 },
    });
    expect(verdict.retryAfter).toBeUndefined();
    return;
  }
  expect(verdict.outcome).toBe(expected.status);
  expect(verdict.contentType).toBe('application/problem+json');
  expect(Object.keys(verdict.body as object).sort()).toEqual(PROBLEM_MEMBERS);
  expect(verdict.body).toMatchObject({
    type: expect.stringMatching(/^urn:celonis-job-control:problem:celonis-/),
    title: PROBLEM_TITLES[expected.status ?? 0],
    status: expected.status,
  });
  expect(verdict.retryAfter).toBe(expected.retryAfter);
}

describe('Celonis faults, route by route', () => {
  let harness: HandlerHarness;
  let functions: Functions;

  beforeAll(async () => {
    harness = await startFaultHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(async () => {
    vi.spyOn(Math, 'random').mockReturnValue(JITTER);
    harness.reset();
    functions = await harness.loadFunctions();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function run(row: Row): Promise<void> {
    // Prepare
    const { target, expected } = row;
    if (row.fault === 'rotation') {
      harness.reset({
        secrets: { [CELONIS_SECRET_ID]: [APP_KEY, ROTATED_APP_KEY] },
      });
      harness.emulator.setCredentials({ appKeys: [ROTATED_APP_KEY] });
    } else {
      harness.emulator.setFault({
        route: target.faultOn,
        kind: row.fault,
        ...(row.times !== undefined && { times: row.times }),
        ...(row.retryAfterSeconds !== undefined && {
          retryAfterSeconds: row.retryAfterSeconds,
        }),
      });
    }

    vi.mocked(Math.random).mockReturnValue(row.jitter ?? JITTER);
    const deadlineMs = row.deadlineMs ?? DEADLINE_MS;

    // Act
    const startedAt = Date.now();
    const verdict = await target.invoke(functions, deadlineMs);
    const elapsedMs = Date.now() - startedAt;

    // Assess
    if (expected.answer === 'healed') {
      target.assertHealed(verdict, harness);
    } else if (expected.answer === 'unconfirmed') {
      expect(target.assertUnconfirmed).toBeDefined();
      target.assertUnconfirmed?.(verdict, harness);
    } else {
      assertGiveUp(row, verdict);
    }
    expect(attemptsOf(row, harness)).toBe(expected.attempts);
    for (const [index, gap] of gapsOf(row, harness).entries()) {
      expect(gap).toBeGreaterThanOrEqual(expected.gapsMs?.[index] ?? 0);
    }
    if (expected.secretReads !== undefined) {
      expect(harness.celonisSecretReads()).toBe(expected.secretReads);
    }
    expect(elapsedMs).toBeGreaterThanOrEqual(expected.minElapsedMs ?? 0);
    expect(elapsedMs).toBeLessThan(deadlineMs + ANSWER_SLACK_MS);
  }

  for (const target of TARGETS) {
    const rows = [
      ...PERSISTENT_ROWS,
      ...TRANSIENT_ROWS,
      ...ROTATION_ROWS,
      ...TIMING_ROWS,
    ]
      .filter((row) => row.target === target)
      .map((row) => [describeRow(row), row] as const);

    describe(`${target.route}, fault on Celonis route ${target.faultOn}`, () => {
      it.for(rows)('%s', ([, row]) => run(row));
    });
  }
});
