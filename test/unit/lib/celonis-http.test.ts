import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  CelonisHttp,
  type CelonisHttpOptions,
  type CelonisRequest,
  serverHintMs,
} from '../../../lib/celonis-http.ts';
import { Deadline } from '../../../lib/deadline.ts';
import {
  CelonisError,
  CelonisTimeoutError,
  CelonisUnavailableError,
} from '../../../lib/errors.ts';
import { RateLimiter } from '../../../lib/rate-limiter.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { captureLogs } from '../../helpers/log-capture.ts';
import { APP_KEY, LEAK_MARKER } from '../../helpers/secrets.ts';

const BASE_URL = 'https://acme.eu-1.celonis.cloud';
const PATH = '/integration/api/pools/3d8a2621-f9c0-456a-9b2d-9bb8c0a9fcd1/jobs';
const ENDPOINT = 'GET /pools/{poolId}/jobs';
const HOUR_MS = 3_600_000;

type Reply =
  | number
  | { status: number; headers?: Record<string, string>; body?: string }
  | 'network'
  | 'timeout'
  | 'hang';

interface FetchCall {
  url: string;
  init: RequestInit | undefined;
}

/** A `fetch` that answers `replies` in order, then 200 `[]`. */
function fakeFetch(replies: Reply[]): {
  fetch: typeof fetch;
  calls: FetchCall[];
} {
  const calls: FetchCall[] = [];
  const queue = [...replies];
  const fake = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    const reply = queue.shift() ?? 200;
    if (reply === 'network') {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('read ECONNRESET'), {
          code: 'ECONNRESET',
        }),
      });
    }
    if (reply === 'timeout') {
      throw new DOMException('The operation timed out.', 'TimeoutError');
    }
    if (reply === 'hang') {
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () =>
          reject(init.signal?.reason),
        );
      });
    }
    const { status, headers, body } =
      typeof reply === 'number' ? { status: reply } : reply;

    return new Response(status === 204 ? null : (body ?? '[]'), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  }) as typeof fetch;

  return { fetch: fake, calls };
}

function setup(replies: Reply[], options: Partial<CelonisHttpOptions> = {}) {
  const clock = new FakeClock();
  const { fetch, calls } = fakeFetch(replies);
  const limiter = new RateLimiter(1_000, clock);
  const http = new CelonisHttp({
    baseUrl: BASE_URL,
    limiter,
    fetch,
    sleep: clock.sleep,
    random: () => 0.5,
    ...options,
  });
  const request = (remainingMs = 20_000): CelonisRequest => ({
    method: 'GET',
    path: PATH,
    endpoint: ENDPOINT,
    deadline: new Deadline(clock.now() + remainingMs, clock.now),
  });

  return { http, clock, calls, limiter, request };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('CelonisHttp', () => {
  it('reports the failure before a retry the rate limit leaves no room for', async () => {
    // Prepare: a limit of one request per second and 600 ms left.
    const clock = new FakeClock();
    const { fetch } = fakeFetch([502, 200]);
    const http = new CelonisHttp({
      baseUrl: BASE_URL,
      limiter: new RateLimiter(1, clock),
      fetch,
      sleep: clock.sleep,
      random: () => 0,
    });

    // Act
    const error = await failure(
      http.send({
        method: 'GET',
        path: PATH,
        endpoint: ENDPOINT,
        deadline: new Deadline(clock.now() + 600, clock.now),
      }),
    );

    // Assess
    expect(error).toMatchObject({
      statusCode: 502,
      message: `Celonis (${ENDPOINT}) answered HTTP 502; gave up after 1 attempt.`,
    });
  });

  it('sends the request under the team URL and answers as received', async () => {
    // Prepare
    const { http, calls, clock } = setup([
      { status: 200, body: '[{"id":"x"}]', headers: { 'x-request-id': 'r1' } },
    ]);

    // Act
    const answer = await http.send({
      method: 'POST',
      path: PATH,
      endpoint: ENDPOINT,
      deadline: new Deadline(clock.now() + 5_000, clock.now),
      headers: { authorization: `AppKey ${APP_KEY}` },
      body: 'a=b',
    });

    // Assess
    expect(answer).toEqual({
      status: 200,
      headers: expect.any(Headers),
      text: '[{"id":"x"}]',
    });
    expect(answer.headers.get('x-request-id')).toBe('r1');
    expect(calls).toEqual([
      {
        url: `${BASE_URL}${PATH}`,
        init: {
          method: 'POST',
          headers: { authorization: `AppKey ${APP_KEY}` },
          body: 'a=b',
          signal: expect.any(AbortSignal),
        },
      },
    ]);
    expect(clock.sleeps).toEqual([]);
  });

  it.each([429, 500, 502, 503, 504, 'network', 'timeout'] as const)(
    'retries after %s',
    async (reply) => {
      // Prepare
      const { http, calls, clock, request } = setup([reply, 200]);

      // Act
      const answer = await http.send(request());

      // Assess
      expect(answer.status).toBe(200);
      expect(calls).toHaveLength(2);
      expect(clock.sleeps).toHaveLength(1);
    },
  );

  it.each([400, 401, 403, 404, 409, 501])(
    'answers %d at once without a retry',
    async (status) => {
      // Prepare
      const { http, calls, clock, request } = setup([status, 200]);

      // Act
      const answer = await http.send(request());

      // Assess
      expect(answer.status).toBe(status);
      expect(calls).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    },
  );

  it('makes at most 4 attempts', async () => {
    // Prepare
    const { http, calls, clock, request } = setup(Array(10).fill(503));

    // Act
    const error = await failure(http.send(request()));

    // Assess
    expect(error).toBeInstanceOf(CelonisUnavailableError);
    expect(calls).toHaveLength(4);
    expect(clock.sleeps).toHaveLength(3);
  });

  it('waits for the rate limiter before every attempt', async () => {
    // Prepare
    const { http, limiter, request } = setup([502, 502, 200]);
    const acquire = vi.spyOn(limiter, 'acquire');

    // Act
    await http.send(request());

    // Assess
    expect(acquire).toHaveBeenCalledTimes(3);
  });

  it('backs off exponentially within full-jitter bounds', async () => {
    // Prepare
    const draws = fc.array(
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      {
        minLength: 7,
        maxLength: 7,
      },
    );

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(draws, async (randoms) => {
        const queue = [...randoms];
        const { http, clock, request } = setup(Array(8).fill(503), {
          maxAttempts: 8,
          baseDelayMs: 100,
          maxDelayMs: 1_000,
          random: () => queue.shift() ?? 0,
        });
        await failure(http.send(request(HOUR_MS)));
        const ceilings = [100, 200, 400, 800, 1_000, 1_000, 1_000];
        expect(clock.sleeps).toHaveLength(7);
        clock.sleeps.forEach((delay, index) => {
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(ceilings[index] ?? 0);
        });
      }),
      { numRuns: 50 },
    );
  });

  it('grows the backoff with each attempt', async () => {
    // Prepare
    const { http, clock, request } = setup(Array(4).fill(502), {
      random: () => 0.999,
    });

    // Act
    await failure(http.send(request()));

    // Assess
    const [first = 0, second = 0, third = 0] = clock.sleeps;
    expect(first).toBeGreaterThan(200);
    expect(second).toBeGreaterThan(first * 1.9);
    expect(third).toBeGreaterThan(second * 1.9);
    expect(third).toBeLessThanOrEqual(1_000);
  });

  it.each([
    ['Retry-After in seconds', { 'retry-after': '2' }, 2_000],
    ['x-ratelimit-reset', { 'x-ratelimit-reset': '3' }, 3_000],
    [
      'Retry-After before x-ratelimit-reset',
      { 'retry-after': '1', 'x-ratelimit-reset': '5' },
      1_000,
    ],
  ])('waits as long as %s asks', async (_case, headers, hintMs) => {
    // Prepare
    const { http, clock, request } = setup([{ status: 429, headers }, 200]);

    // Act
    await http.send(request());

    // Assess
    const [delay = 0] = clock.sleeps;
    expect(delay).toBeGreaterThanOrEqual(hintMs);
    expect(delay).toBeLessThanOrEqual(hintMs + 250);
  });

  it('waits until the HTTP date of Retry-After', async () => {
    // Prepare
    const retryAt = new Date(Date.now() + 3_000).toUTCString();
    const { http, clock, request } = setup([
      { status: 503, headers: { 'retry-after': retryAt } },
      200,
    ]);

    // Act
    await http.send(request());

    // Assess
    const [delay = 0] = clock.sleeps;
    expect(delay).toBeGreaterThanOrEqual(1_900);
    expect(delay).toBeLessThanOrEqual(3_000 + 250);
  });

  it.each([
    [429, { 'retry-after': '30' }, 'is rate limiting (HTTP 429)', '30'],
    [429, { 'x-ratelimit-reset': '45' }, 'is rate limiting (HTTP 429)', '45'],
    [503, { 'retry-after': '120' }, 'is unavailable (HTTP 503)', '120'],
  ])(
    'gives up at once with 503 when a %d hint exceeds the deadline',
    async (status, headers, reason, retryAfter) => {
      // Prepare
      const { http, calls, clock, request } = setup([{ status, headers }, 200]);

      // Act
      const error = await failure(http.send(request(10_000)));

      // Assess
      expect(error).toBeInstanceOf(CelonisUnavailableError);
      expect(error).toMatchObject({
        statusCode: 503,
        message: `Celonis (${ENDPOINT}) ${reason}; gave up after 1 attempt.`,
        headers: { 'retry-after': retryAfter },
      });
      expect(calls).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    },
  );

  it('gives up when the next backoff no longer fits the deadline', async () => {
    // Prepare
    const { http, calls, clock, request } = setup(Array(4).fill(503), {
      random: () => 0.8,
    });

    // Act
    const error = await failure(http.send(request(300)));

    // Assess
    expect(error).toBeInstanceOf(CelonisUnavailableError);
    expect(calls).toHaveLength(2);
    expect(clock.sleeps).toEqual([200]);
  });

  it('sends an attempt when the time left is not a whole number of ms', async () => {
    // Prepare
    const { http, calls, clock } = setup([200]);
    const deadline = new Deadline(clock.now() + 1_234.5, clock.now);

    // Act
    const answer = await http.send({
      method: 'GET',
      path: PATH,
      endpoint: ENDPOINT,
      deadline,
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it.each([
    [
      '429 with a reset hint',
      { status: 429, headers: { 'x-ratelimit-reset': '1' } },
      CelonisUnavailableError,
      503,
      `Celonis (${ENDPOINT}) is rate limiting (HTTP 429); gave up after 4 attempts.`,
      { 'retry-after': '1' },
    ],
    [
      '429 without headers',
      429,
      CelonisUnavailableError,
      503,
      `Celonis (${ENDPOINT}) is rate limiting (HTTP 429); gave up after 4 attempts.`,
      {},
    ],
    [
      '503',
      503,
      CelonisUnavailableError,
      503,
      `Celonis (${ENDPOINT}) is unavailable (HTTP 503); gave up after 4 attempts.`,
      {},
    ],
    [
      '500',
      500,
      CelonisError,
      502,
      `Celonis (${ENDPOINT}) answered HTTP 500; gave up after 4 attempts.`,
      {},
    ],
    [
      '502',
      502,
      CelonisError,
      502,
      `Celonis (${ENDPOINT}) answered HTTP 502; gave up after 4 attempts.`,
      {},
    ],
    [
      '504',
      504,
      CelonisTimeoutError,
      504,
      `Celonis (${ENDPOINT}) did not answer in time (HTTP 504 from its gateway); gave up after 4 attempts.`,
      {},
    ],
    [
      'network errors',
      'network',
      CelonisUnavailableError,
      503,
      `Celonis (${ENDPOINT}) could not be reached; gave up after 4 attempts.`,
      {},
    ],
    [
      'timeouts',
      'timeout',
      CelonisTimeoutError,
      504,
      `Celonis (${ENDPOINT}) did not answer in time.`,
      {},
    ],
  ] as const)(
    'gives up after repeated %s with the matching error',
    async (_case, reply, type, statusCode, message, headers) => {
      // Prepare
      const { http, calls, request } = setup(Array(4).fill(reply));

      // Act
      const error = await failure(http.send(request()));

      // Assess
      expect(error).toBeInstanceOf(type);
      expect(error).toMatchObject({ statusCode, message, headers });
      expect(calls).toHaveLength(4);
    },
  );

  it('keeps the network error as the cause', async () => {
    // Prepare
    const { http, request } = setup(Array(4).fill('network'));

    // Act
    const error = await failure(http.send(request()));

    // Assess
    expect(error).toMatchObject({
      cause: { name: 'TypeError', message: 'fetch failed' },
    });
  });

  it('aborts an attempt that outlives its timeout', async () => {
    // Prepare
    const { http, calls, request } = setup(Array(4).fill('hang'), {
      attemptTimeoutMs: 20,
    });

    // Act
    const error = await failure(http.send(request()));

    // Assess
    expect(error).toBeInstanceOf(CelonisTimeoutError);
    expect(calls).toHaveLength(4);
  });

  it('gives an attempt no longer than the deadline leaves', async () => {
    // Prepare
    const { http, request } = setup(['hang', 200], {
      attemptTimeoutMs: 60_000,
    });
    const startedAt = Date.now();

    // Act
    const error = await failure(http.send(request(40)));

    // Assess
    expect(error).toBeInstanceOf(CelonisTimeoutError);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('sends nothing once the deadline has passed', async () => {
    // Prepare
    const { http, calls, request } = setup([200]);

    // Act
    const error = await failure(http.send(request(0)));

    // Assess
    expect(error).toBeInstanceOf(CelonisTimeoutError);
    expect(calls).toEqual([]);
  });

  it('logs each retry without the body or the credentials', async () => {
    // Prepare
    const logs = captureLogs();
    const { http, clock } = setup([
      { status: 503, body: `{"message":"${LEAK_MARKER}"}` },
      200,
    ]);

    // Act
    await http.send({
      method: 'GET',
      path: PATH,
      endpoint: ENDPOINT,
      deadline: new Deadline(clock.now() + 5_000, clock.now),
      headers: { authorization: `AppKey ${APP_KEY}` },
    });

    // Assess
    expect(logs.lines()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'celonis call retried',
        endpoint: ENDPOINT,
        attempt: 1,
        failure: 'HTTP 503',
        delayMs: Math.round(clock.sleeps[0] ?? -1),
      }),
    ]);
    expect(logs.text()).not.toContain(LEAK_MARKER);
  });
});

describe('serverHintMs', () => {
  const answer = (headers: Record<string, string>) => ({
    status: 429,
    headers: new Headers(headers),
    text: '',
  });

  it.each([
    [{ 'retry-after': '0' }, 0],
    [{ 'retry-after': '1.5' }, 1_500],
    [{ 'x-ratelimit-reset': '2' }, 2_000],
    [{ 'retry-after': 'soon', 'x-ratelimit-reset': '2' }, 2_000],
    [{ 'retry-after': new Date(0).toUTCString() }, 0],
    [{}, undefined],
    [{ 'x-ratelimit-reset': 'later' }, undefined],
  ])('reads %j as %s ms', (headers, expected) => {
    // Act
    const hint = serverHintMs(answer(headers));

    // Assess
    expect(hint).toBe(expected);
  });
});
