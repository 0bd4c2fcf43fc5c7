/**
 * A fixed one-second window shared by every Celonis route. The window opens
 * with the first request after the previous one closed. Only admitted
 * requests count: a rejected one does not use up the next window, as with
 * most real limiters, so a client that waits `x-ratelimit-reset` seconds
 * gets through.
 * @module
 */
import type { Headers } from './http.ts';

const WINDOW_MS = 1000;

export type RateDecision =
  | { admitted: true; headers: Headers }
  | { admitted: false; headers: Headers };

export interface RateLimiter {
  admit(): RateDecision;
  setLimit(perSecond: number | null): void;
  /** The current limit, null when unlimited. */
  limit(): number | null;
  /** Forgets the current window. */
  clear(): void;
}

export function createRateLimiter(perSecond: number | null): RateLimiter {
  let limit = perSecond;
  let windowStart = 0;
  let count = 0;

  function admit(): RateDecision {
    if (limit === null) {
      return { admitted: true, headers: {} };
    }
    const now = Date.now();
    if (now - windowStart >= WINDOW_MS) {
      windowStart = now;
      count = 0;
    }
    if (count >= limit) {
      const waitMs = windowStart + WINDOW_MS - now;

      return {
        admitted: false,
        headers: {
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.max(1, Math.ceil(waitMs / 1000))),
        },
      };
    }
    count += 1;

    return {
      admitted: true,
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(limit - count),
      },
    };
  }

  function setLimit(perSecond: number | null): void {
    limit = perSecond;
    windowStart = 0;
    count = 0;
  }

  return {
    admit,
    setLimit,
    limit: () => limit,
    clear: () => setLimit(limit),
  };
}
