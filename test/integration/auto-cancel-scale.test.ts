/**
 * The scheduled auto-cancel at the scale of a real shutdown: 200 running
 * jobs in 5 pools, against an emulated Celonis that allows 20 requests per
 * second. Every job ends cancelled, none is sent two cancels, Celonis never
 * answers 429, and the summary counts what happened.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CelonisEmulator, PoolSeed } from '../../emulator/celonis.ts';
import { lambdaContext } from '../helpers/events.ts';
import {
  type HandlerHarness,
  startHandlerHarness,
} from '../helpers/handler-harness.ts';
import { APP_KEY } from '../helpers/secrets.ts';

const POOLS = 5;
const JOBS_PER_POOL = 40;

type Handler = (event: unknown, context: Context) => Promise<unknown>;

interface Outcome {
  dryRun: boolean;
  results: { pool: string; jobId: string; result: string; status: string }[];
  summary: Record<string, number>;
}

function poolId(pool: number): string {
  return `5ca1e000-0000-4000-8000-${String(pool).padStart(12, '0')}`;
}

function jobId(pool: number, job: number): string {
  return `5ca1e000-${String(pool).padStart(4, '0')}-4000-8000-${String(job).padStart(12, '0')}`;
}

function seedPools(): PoolSeed[] {
  return Array.from({ length: POOLS }, (_, pool) => ({
    id: poolId(pool),
    name: `Source system ${pool}`,
    jobs: Array.from({ length: JOBS_PER_POOL }, (_, job) => ({
      id: jobId(pool, job),
      name: `Extract table ${job}`,
      dataSourceId: jobId(pool, 9_999),
      status: job % 4 === 0 ? ('QUEUED' as const) : ('RUNNING' as const),
    })),
  }));
}

describe('autoCancel with 200 running jobs in 5 pools', () => {
  let harness: HandlerHarness;
  let emulator: CelonisEmulator;
  let handler: Handler;

  beforeAll(async () => {
    const aliases = Array.from(
      { length: POOLS },
      (_, pool) => `source-${pool}`,
    );
    harness = await startHandlerHarness({
      emulator: {
        pools: seedPools(),
        appKeys: [APP_KEY],
        secrets: { 'scale/celonis': APP_KEY },
        cancelDelayMs: 500,
        rateLimitPerSecond: 20,
      },
      env: {
        CELONIS_SECRET_ID: 'scale/celonis',
        POOLS: aliases
          .map((alias, pool) => `${alias}=${poolId(pool)}`)
          .join(','),
        AUTO_CANCEL_POOLS: aliases.join(','),
        LOG_LEVEL: 'WARN',
      },
      secrets: 'emulator',
    });
    emulator = harness.emulator;
    handler = await harness.load('autoCancel');
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('cancels every job once, without a 429, and sums them up', async () => {
    // Act
    const outcome = (await handler(
      { waitSeconds: 60, reason: 'nightly shutdown' },
      lambdaContext(720_000, 'auto-cancel'),
    )) as Outcome;

    // Assess
    const total = POOLS * JOBS_PER_POOL;
    expect(outcome.dryRun).toBe(false);
    expect(outcome.summary).toEqual({ cancelled: total });
    expect(outcome.results).toHaveLength(total);
    expect(new Set(outcome.results.map((r) => r.jobId)).size).toBe(total);
    expect(new Set(outcome.results.map((r) => r.pool))).toEqual(
      new Set(Array.from({ length: POOLS }, (_, pool) => `source-${pool}`)),
    );
    const celonis = emulator.requests().filter((r) => r.route !== 'secrets');
    expect(celonis.filter((r) => r.status === 429)).toEqual([]);
    const cancels = celonis.filter((r) => r.route === 'cancel');
    expect(cancels).toHaveLength(total);
    expect(new Set(cancels.map((r) => r.path)).size).toBe(total);
    for (let pool = 0; pool < POOLS; pool++) {
      for (let job = 0; job < JOBS_PER_POOL; job++) {
        expect(emulator.getJob(poolId(pool), jobId(pool, job))?.status).toBe(
          'CANCEL',
        );
      }
    }
  }, 60_000);
});
