import { describe, expect, it } from 'vitest';
import { Deadline } from '../../../lib/deadline.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

describe('Deadline', () => {
  it('keeps a margin back from the Lambda time left', () => {
    // Prepare
    const clock = new FakeClock();

    // Act
    const deadline = Deadline.fromRemaining(10_000, 1_500, clock.now);

    // Assess
    expect(deadline.endsAt).toBe(clock.now() + 8_500);
    expect(deadline.remainingMs()).toBe(8_500);
  });

  it('keeps 1.5 s back by default', () => {
    // Prepare
    const clock = new FakeClock();

    // Act
    const deadline = Deadline.fromRemaining(10_000, undefined, clock.now);

    // Assess
    expect(deadline.remainingMs()).toBe(8_500);
  });

  it('has expired at once when less than the margin is left', () => {
    // Prepare
    const clock = new FakeClock();

    // Act
    const deadline = Deadline.fromRemaining(1_000, 1_500, clock.now);

    // Assess
    expect([deadline.remainingMs(), deadline.expired()]).toEqual([0, true]);
  });

  it('counts down with the clock and never below 0', () => {
    // Prepare
    const clock = new FakeClock();
    const deadline = new Deadline(clock.now() + 1_000, clock.now);

    // Act
    clock.advance(400);
    const partway = [deadline.remainingMs(), deadline.expired()];
    clock.advance(5_000);
    const after = [deadline.remainingMs(), deadline.expired()];

    // Assess
    expect(partway).toEqual([600, false]);
    expect(after).toEqual([0, true]);
  });

  it.each([
    [500, 500],
    [5_000, 2_000],
  ])('narrows to %d ms within, never past the deadline', (ms, expected) => {
    // Prepare
    const clock = new FakeClock();
    const deadline = new Deadline(clock.now() + 2_000, clock.now);

    // Act
    const narrowed = deadline.within(ms);

    // Assess
    expect(narrowed.remainingMs()).toBe(expected);
    clock.advance(expected);
    expect(narrowed.expired()).toBe(true);
  });
});
