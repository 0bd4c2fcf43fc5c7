/**
 * A point in time by which work must be done. HTTP functions derive it from
 * the Lambda's remaining time minus a margin to shape and send the answer,
 * so a slow Celonis ends in a 504 from us rather than a Lambda timeout.
 */
export class Deadline {
  readonly endsAt: number;
  readonly #now: () => number;

  constructor(endsAt: number, now: () => number = Date.now) {
    this.endsAt = endsAt;
    this.#now = now;
  }

  /**
   * @example
   * const deadline = Deadline.fromRemaining(context.getRemainingTimeInMillis());
   */
  static fromRemaining(
    remainingMs: number,
    marginMs = 1_500,
    now: () => number = Date.now,
  ): Deadline {
    return new Deadline(now() + Math.max(0, remainingMs - marginMs), now);
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - this.#now());
  }

  expired(): boolean {
    return this.remainingMs() === 0;
  }

  /** A deadline no later than this one and `ms` from now. */
  within(ms: number): Deadline {
    return new Deadline(Math.min(this.endsAt, this.#now() + ms), this.#now);
  }
}
