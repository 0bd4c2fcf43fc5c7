/**
 * Keeps the service under Celonis's request rate: at most `perSecond`
 * requests in any sliding one-second window. Shared by every call of a
 * container, retries included, so a bulk cancel of hundreds of jobs spreads
 * itself out instead of collecting 429s. Celonis counts a request at some
 * moment between sending and answering, and a slow first connection must
 * not let the request a window later arrive inside the same window; so a
 * request counts from its answer less half the quickest round trip seen
 * (its way back), never from before it left.
 */
import type { Deadline } from './deadline.ts';
import { CelonisUnavailableError } from './errors.ts';

const WINDOW_MS = 1_000;
// Requests leave a little later than the window strictly allows, so that
// jitter between our clock and Celonis's counter never adds up to 429s.
const MARGIN_MS = 25;

export interface RateLimiterOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Slot {
  at: number;
  /** Still waiting for its answer: it may yet reach Celonis at any moment. */
  open: boolean;
}

/**
 * When Celonis may have counted a request: its answer less half the
 * quickest round trip, which is no more than its way back, and never before
 * it left. A quick request so does not hold the window open for a whole
 * round trip, and a slow one counts late, which is safe.
 */
function countedAt(slot: Slot, answeredAt: number, quickestMs: number): number {
  return Math.max(slot.at, answeredAt - quickestMs / 2);
}

export class RateLimiter {
  readonly #perSecond: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  // Start times of the most recent requests, oldest first.
  readonly #starts: Slot[] = [];
  // The quickest round trip so far: one without a new connection or a busy
  // event loop on the way.
  #quickestMs = Number.POSITIVE_INFINITY;

  constructor(perSecond: number, options: RateLimiterOptions = {}) {
    this.#perSecond = Math.max(1, Math.floor(perSecond));
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleep;
  }

  /**
   * Waits for a free slot; throws a 503 if none comes before `deadline`.
   * Call the returned function when the answer is in.
   *
   * @example
   * const done = await limiter.acquire(deadline);
   * try { await fetch(url); } finally { done(); }
   */
  async acquire(deadline: Deadline): Promise<() => void> {
    const at = this.#nextSlot();
    const waitMs = at - this.#now();
    if (waitMs > deadline.remainingMs()) {
      throw new CelonisUnavailableError(
        'The service is at its own request limit towards Celonis.',
        waitMs / 1000,
      );
    }
    const slot = this.#take(at);
    if (waitMs > 0) {
      await this.#sleep(waitMs);
    }
    // A timer that fires late moves the start, an answer the end.
    slot.at = Math.max(slot.at, this.#now());

    return () => {
      const answeredAt = this.#now();
      this.#quickestMs = Math.min(this.#quickestMs, answeredAt - slot.at);
      slot.at = countedAt(slot, answeredAt, this.#quickestMs);
      slot.open = false;
    };
  }

  // The list holds the last `perSecond` start times, oldest first; the next
  // slot opens a window after the oldest. Finding and taking a slot happen
  // in one synchronous step, so concurrent callers never share one, and a
  // refused caller takes none.
  #nextSlot(): number {
    const now = this.#now();
    const oldest =
      this.#starts.length < this.#perSecond ? undefined : this.#starts[0];

    if (oldest === undefined) {
      return now;
    }
    const counted = oldest.open ? Math.max(oldest.at, now) : oldest.at;

    return Math.max(now, counted + WINDOW_MS + MARGIN_MS);
  }

  #take(at: number): Slot {
    const slot = { at, open: true };
    this.#starts.push(slot);
    if (this.#starts.length > this.#perSecond) {
      this.#starts.shift();
    }

    return slot;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
