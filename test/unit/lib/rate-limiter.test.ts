import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deadline } from '../../../lib/deadline.ts';
import { CelonisUnavailableError } from '../../../lib/errors.ts';
import { RateLimiter } from '../../../lib/rate-limiter.ts';
import { FakeClock, VirtualClock } from '../../helpers/fake-clock.ts';

const HOUR_MS = 3_600_000;

/** The most starts that fall in any one-second window. */
function busiestSecond(starts: readonly number[]): number {
  return Math.max(
    0,
    ...starts.map(
      (start) => starts.filter((t) => t >= start && t < start + 1_000).length,
    ),
  );
}

describe('RateLimiter', () => {
  it('starts no more than N requests in any second of a sequential burst', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = new RateLimiter(10, clock);
    const deadline = new Deadline(clock.now() + HOUR_MS, clock.now);
    const starts: number[] = [];

    // Act
    for (let i = 0; i < 100; i++) {
      (await limiter.acquire(deadline))();
      starts.push(clock.now());
    }

    // Assess
    expect(busiestSecond(starts)).toBe(10);
    expect(starts.slice(0, 10)).toEqual(Array(10).fill(starts[0]));
    expect((starts.at(-1) ?? 0) - (starts[0] ?? 0)).toBeLessThan(9 * 1_100);
  });

  it('starts no more than N requests in any second of a concurrent burst', async () => {
    // Prepare
    const clock = new VirtualClock();
    const limiter = new RateLimiter(20, clock);
    const deadline = new Deadline(clock.now() + HOUR_MS, clock.now);
    const starts: number[] = [];

    // Act
    const all = Promise.all(
      Array.from({ length: 100 }, async () => {
        (await limiter.acquire(deadline))();
        starts.push(clock.now());
      }),
    );
    await clock.run();
    await all;

    // Assess
    expect(starts).toHaveLength(100);
    expect(busiestSecond(starts)).toBe(20);
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(4 * 1_100);
  });

  it('never exceeds N starts per second, whatever the arrivals', async () => {
    // Prepare
    const arrivals = fc.record({
      perSecond: fc.integer({ min: 1, max: 25 }),
      gaps: fc.array(fc.integer({ min: 0, max: 400 }), {
        minLength: 1,
        maxLength: 120,
      }),
    });

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(arrivals, async ({ perSecond, gaps }) => {
        const clock = new FakeClock();
        const limiter = new RateLimiter(perSecond, clock);
        const deadline = new Deadline(clock.now() + HOUR_MS, clock.now);
        const starts: number[] = [];
        for (const gap of gaps) {
          clock.advance(gap);
          (await limiter.acquire(deadline))();
          starts.push(clock.now());
        }
        expect(busiestSecond(starts)).toBeLessThanOrEqual(perSecond);
      }),
      { numRuns: 100 },
    );
  });

  it('lets requests through at once while under the limit', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = new RateLimiter(5, clock);
    const deadline = new Deadline(clock.now() + 1_000, clock.now);

    // Act
    for (let i = 0; i < 5; i++) {
      await limiter.acquire(deadline);
      clock.advance(300);
    }

    // Assess
    expect(clock.sleeps).toEqual([]);
  });

  it('throws CelonisUnavailableError when the wait exceeds the deadline', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = new RateLimiter(2, clock);
    const deadline = new Deadline(clock.now() + 500, clock.now);
    await limiter.acquire(deadline);
    await limiter.acquire(deadline);

    // Act
    const third = limiter.acquire(deadline);

    // Assess
    await expect(third).rejects.toBeInstanceOf(CelonisUnavailableError);
    await expect(third).rejects.toMatchObject({
      statusCode: 503,
      message: 'The service is at its own request limit towards Celonis.',
      headers: { 'retry-after': '2' },
    });
    expect(clock.sleeps).toEqual([]);
  });

  it('does not let a refused request take a slot', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = new RateLimiter(1, clock);
    const deadline = () => new Deadline(clock.now() + 500, clock.now);
    (await limiter.acquire(deadline()))();
    await limiter.acquire(deadline()).catch(() => undefined);
    clock.advance(1_100);

    // Act
    const next = limiter.acquire(deadline());

    // Assess
    await expect(next).resolves.toBeTypeOf('function');
    expect(clock.sleeps).toEqual([]);
  });

  it('counts a request still waiting for its answer as if it answered now', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = new RateLimiter(1, clock);
    const deadline = new Deadline(clock.now() + HOUR_MS, clock.now);
    await limiter.acquire(deadline);
    clock.advance(5_000);

    // Act
    await limiter.acquire(deadline);

    // Assess
    expect(clock.sleeps).toEqual([1_000 + 25]);
  });

  it('counts a request from its answer less half the quickest round trip', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = new RateLimiter(1, clock);
    const deadline = new Deadline(clock.now() + HOUR_MS, clock.now);
    const done = await limiter.acquire(deadline);
    clock.advance(300);
    done();

    // Act
    await limiter.acquire(deadline);

    // Assess: counted at 300 - 150, the next window opens 1 025 ms later.
    expect(clock.sleeps).toEqual([150 + 1_025 - 300]);
  });

  it('counts a slow request late when a quicker one showed the way back is short', async () => {
    // Prepare
    const clock = new FakeClock();
    const limiter = new RateLimiter(1, clock);
    const deadline = new Deadline(clock.now() + HOUR_MS, clock.now);
    const quick = await limiter.acquire(deadline);
    clock.advance(10);
    quick();
    clock.advance(2_000);
    const slow = await limiter.acquire(deadline);
    clock.advance(400);
    slow();

    // Act
    await limiter.acquire(deadline);

    // Assess: the slow one counts from its answer less 5 ms.
    expect(clock.sleeps).toEqual([1_025 - 5]);
  });

  it.each([
    [0.5, 1],
    [2.9, 2],
  ])('allows %d requests per second as %d', async (perSecond, allowed) => {
    // Prepare
    const clock = new FakeClock();
    const limiter = new RateLimiter(perSecond, clock);
    const deadline = new Deadline(clock.now() + HOUR_MS, clock.now);
    const starts: number[] = [];

    // Act
    for (let i = 0; i < 10; i++) {
      await limiter.acquire(deadline);
      starts.push(clock.now());
    }

    // Assess
    expect(busiestSecond(starts)).toBe(allowed);
  });
});
