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
