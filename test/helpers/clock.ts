/**
 * A `Date.now` that tests can move forward, so five minutes of secret
 * caching or an OAuth token's lifetime pass at once. It moves everything
 * in the test file that asks `Date.now`: the secret cache, OAuth renewal,
 * deadlines, and the in-process emulator's token expiry; `new Date()` is
 * left alone. Install it before loading a handler: the secret cache keeps
 * the `Date.now` it found when it was built.
 */
import { vi } from 'vitest';

export interface MovableClock {
  advance(ms: number): void;
  restore(): void;
}

/**
 * @example
 * const clock = movableClock();
 * clock.advance(5 * 60 * 1000 + 1);
 */
export function movableClock(): MovableClock {
  const realNow = Date.now.bind(Date);
  let offsetMs = 0;
  const spy = vi
    .spyOn(Date, 'now')
    .mockImplementation(() => realNow() + offsetMs);

  return {
    advance: (ms) => {
      offsetMs += ms;
    },
    restore: () => spy.mockRestore(),
  };
}
