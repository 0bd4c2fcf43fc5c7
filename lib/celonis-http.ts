/**
 * The one HTTP layer under every Celonis call: a per-attempt timeout within
 * the caller's deadline, the shared rate limiter, and bounded retries with
 * exponential backoff and full jitter on 429, 5xx (but 501 and 505),
 * timeouts and network errors. Server hints (`Retry-After`, `x-ratelimit-reset`) are
 * honoured when they fit the deadline. When it gives up it throws the
 * matching `ServiceError`; every other answer is returned as it is.
 */
import * as z from 'zod';
import type { Deadline } from './deadline.ts';
import {
  CelonisError,
  CelonisTimeoutError,
  CelonisUnavailableError,
  type ServiceError,
} from './errors.ts';
import { logger } from './logger.ts';
import { type RateLimiter, sleep } from './rate-limiter.ts';

export interface CelonisRequest {
  method: 'GET' | 'POST';
  /** Path and query under the team URL, built from validated ids only. */
  path: string;
  /** The route's template, e.g. `GET /pools/{poolId}/jobs`, for errors. */
  endpoint: string;
  deadline: Deadline;
  headers?: Record<string, string>;
  body?: string;
}

export interface CelonisResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface CelonisHttpOptions {
  baseUrl: string;
  limiter: RateLimiter;
  fetch?: typeof fetch;
  maxAttempts?: number;
  attemptTimeoutMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

// 429 and every 5xx but those a retry cannot change: 501 Not Implemented
// and 505 HTTP Version Not Supported.
function isRetryable(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

type Failure =
  | { kind: 'status'; response: CelonisResponse }
  | { kind: 'timeout' }
  | { kind: 'network'; cause: unknown };

export class CelonisHttp {
  readonly #options: Required<CelonisHttpOptions>;

  constructor(options: CelonisHttpOptions) {
    this.#options = {
      fetch: globalThis.fetch,
      maxAttempts: 4,
      attemptTimeoutMs: 10_000,
      baseDelayMs: 250,
      maxDelayMs: 4_000,
      random: Math.random,
      sleep,
      ...options,
    };
  }

  /**
   * @example
   * const answer = await http.send({ method: 'GET', path, endpoint, deadline });
   */
  async send(request: CelonisRequest): Promise<CelonisResponse> {
    const { maxAttempts } = this.#options;
    let failure: Failure | undefined;
    let attempts = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      attempts = attempt;
      const done = await this.#options.limiter
        .acquire(request.deadline)
        .catch((refusal: unknown) => {
          // No slot left for a retry: the failure before it is the news.
          throw failure === undefined
            ? refusal
            : giveUp(request, failure, attempt - 1);
        });
      const outcome = await this.#attempt(request).finally(done);
      if ('status' in outcome && !isRetryable(outcome.status)) {
        return outcome;
      }
      failure =
        'status' in outcome ? { kind: 'status', response: outcome } : outcome;
      const delayMs = this.#delayBeforeRetry(failure, attempt);
      if (
        attempt === maxAttempts ||
        delayMs >= request.deadline.remainingMs()
      ) {
        break;
      }
      logger.warn('celonis call retried', {
        endpoint: request.endpoint,
        attempt,
        failure: describeFailure(failure),
        delayMs: Math.round(delayMs),
      });
      await this.#options.sleep(delayMs);
    }

    throw giveUp(request, failure, attempts);
  }

  async #attempt(request: CelonisRequest): Promise<CelonisResponse | Failure> {
    const timeoutMs = Math.min(
      this.#options.attemptTimeoutMs,
      request.deadline.remainingMs(),
    );
    if (timeoutMs <= 0) {
      return { kind: 'timeout' };
    }
    try {
      const response = await this.#options.fetch(
        `${this.#options.baseUrl}${request.path}`,
        {
          method: request.method,
          headers: request.headers,
          body: request.body,
          // AbortSignal.timeout takes whole milliseconds only.
          signal: AbortSignal.timeout(Math.ceil(timeoutMs)),
        },
      );
      const text = await response.text();

      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        return { kind: 'timeout' };
      }
      // fetch reports network failures as a TypeError with a cause; one
      // without is a request it refused to send, and a retry sends nothing.
      if (error instanceof TypeError && error.cause === undefined) {
        throw new CelonisError(
          `The request to Celonis (${request.endpoint}) could not be built.`,
        );
      }

      return { kind: 'network', cause: error };
    }
  }

  #delayBeforeRetry(failure: Failure, attempt: number): number {
    const hint =
      failure.kind === 'status' ? serverHintMs(failure.response) : undefined;
    const jitter = this.#options.random();
    if (hint !== undefined) {
      return hint + jitter * this.#options.baseDelayMs;
    }
    const ceiling = Math.min(
      this.#options.maxDelayMs,
      this.#options.baseDelayMs * 2 ** (attempt - 1),
    );

    return jitter * ceiling;
  }
}

/** The wait Celonis asks for, from `Retry-After` or `x-ratelimit-reset`. */
export function serverHintMs(response: CelonisResponse): number | undefined {
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) {
      return seconds * 1000;
    }
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) {
      return Math.max(0, date - Date.now());
    }
  }
  const reset = Number(response.headers.get('x-ratelimit-reset') ?? Number.NaN);

  return Number.isFinite(reset) && reset >= 0 ? reset * 1000 : undefined;
}

function describeFailure(failure: Failure): string {
  if (failure.kind === 'status') {
    return `HTTP ${failure.response.status}`;
  }

  return failure.kind;
}

function giveUp(
  request: CelonisRequest,
  failure: Failure | undefined,
  attempts: number,
): ServiceError {
  const where = `Celonis (${request.endpoint})`;
  const tries = `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}`;
  if (failure === undefined || failure.kind === 'timeout') {
    return new CelonisTimeoutError(`${where} did not answer in time.`);
  }
  if (failure.kind === 'network') {
    return new CelonisUnavailableError(
      `${where} could not be reached; ${tries}.`,
      undefined,
      {
        cause: failure.cause,
      },
    );
  }
  const { status } = failure.response;
  if (status === 429 || status === 503) {
    const hintMs = serverHintMs(failure.response);
    const reason = status === 429 ? 'is rate limiting' : 'is unavailable';

    return new CelonisUnavailableError(
      `${where} ${reason} (HTTP ${status}); ${tries}.`,
      hintMs === undefined ? undefined : hintMs / 1000,
    );
  }
  // Celonis's own gateway gave up waiting for its backend.
  if (status === 504) {
    return new CelonisTimeoutError(
      `${where} did not answer in time (HTTP 504 from its gateway); ${tries}.`,
    );
  }
  const message = extractMessage(failure.response);

  return new CelonisError(
    `${where} answered HTTP ${status}${message ? `: ${message}` : ''}; ${tries}.`,
  );
}

const errorBody = z.object({
  shortMessage: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.object({ error: z.string().optional() })).optional(),
});

/**
 * Celonis's own words for an error, when its body is one of the known JSON
 * shapes; at most 160 characters, on one line. HTML and other bodies give
 * nothing, so a raw body never reaches the caller.
 */
export function extractMessage(answer: CelonisResponse): string | undefined {
  if (!(answer.headers.get('content-type') ?? '').includes('json')) {
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return undefined;
  }
  const parsed = errorBody.safeParse(body);
  if (!parsed.success) {
    return undefined;
  }
  const { shortMessage, message, errors } = parsed.data;
  // `message` is prose; `shortMessage` tends to be a code like NOT_FOUND.
  const text = message ?? shortMessage ?? errors?.[0]?.error;

  return text?.replaceAll(/\s+/g, ' ').trim().slice(0, 160) || undefined;
}
