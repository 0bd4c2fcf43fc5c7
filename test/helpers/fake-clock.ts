/**
 * A clock the tests move by hand, for code that takes `now` and `sleep`
 * options: `sleep` records the wait and moves the clock by it at once.
 */
export class FakeClock {
  #now: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.UTC(2026, 11, 3, 22, 0, 0)) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.#now += ms;
  };

  advance(ms: number): void {
    this.#now += ms;
  }
}

/**
 * A clock for concurrent code: `sleep` parks the caller until `run` moves
 * the clock to its wake-up time, in order, so each sleeper wakes at the
 * time it asked for.
 */
export class VirtualClock {
  #now: number;
  #timers: { at: number; wake: () => void }[] = [];

  constructor(start = Date.UTC(2026, 11, 3, 22, 0, 0)) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.#timers.push({ at: this.#now + ms, wake });
    });

  /** Wakes every sleeper in time order until none is left. */
  async run(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers.shift();
      if (next === undefined) {
        return;
      }
      this.#now = Math.max(this.#now, next.at);
      next.wake();
    }
  }
}
