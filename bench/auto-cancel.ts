/**
 * autoCancel at scale: 200 running jobs in 5 pools, against an emulator
 * that answers after 100 ms and admits 20 requests per second. No client
 * can be faster than the rate limit allows, so the bound is the Celonis
 * requests the run needed divided by 20 per second; the run is measured
 * against it. Every 429 in the emulator's log is counted, whether or not a
 * retry hid it.
 * @module
 */
import { startCelonisEmulator } from '../emulator/celonis.ts';
import type { RecordedRequest } from '../emulator/types.ts';
import { runChild } from './child.ts';
import {
  APP_KEY,
  benchSecrets,
  functionEnv,
  poolId,
  runningPools,
  TOPIC_ARN,
} from './fixtures.ts';
import { round } from './stats.ts';

export const AUTO_CANCEL_GOAL_RATIO = 1.2;

export const SCALE = {
  pools: 5,
  jobsPerPool: 40,
  latencyMs: 100,
  rateLimitPerSecond: 20,
  cancelDelayMs: 500,
} as const;

export interface AutoCancelFigures {
  jobs: number;
  durationMs: number;
  /** Celonis requests Celonis admitted, by route. */
  requests: Record<string, number>;
  requestsNeeded: number;
  boundMs: number;
  ratio: number;
  tooManyRequests: number;
  summary: Record<string, number>;
  failed: number;
  error: string | undefined;
}

interface WorkerResult {
  durationMs: number;
  results: number;
  summary: Record<string, number>;
  poolErrors: unknown[];
  error: string | undefined;
}

const CELONIS_ROUTES = new Set(['jobs', 'status', 'job', 'cancel', 'token']);

export async function measureAutoCancel(): Promise<AutoCancelFigures> {
  const emulator = await startCelonisEmulator({
    pools: runningPools(SCALE.pools, SCALE.jobsPerPool),
    appKeys: [APP_KEY],
    secrets: benchSecrets(),
    latencyMs: SCALE.latencyMs,
    rateLimitPerSecond: SCALE.rateLimitPerSecond,
    cancelDelayMs: SCALE.cancelDelayMs,
  });
  try {
    const aliases = Array.from(
      { length: SCALE.pools },
      (_, i) => `pool-${i + 1}`,
    );
    const pools = aliases.map((alias, i) => `${alias}=${poolId(i + 1)}`);
    const { result } = await runChild<WorkerResult>({
      script: './auto-cancel-worker.ts',
      env: functionEnv(emulator.url, {
        POOLS: pools.join(','),
        AUTO_CANCEL_POOLS: aliases.join(','),
        NOTIFY_TOPIC_ARN: TOPIC_ARN,
      }),
      logName: 'auto-cancel.log',
      timeoutMs: 180_000,
    });

    return describe(result, emulator.requests());
  } finally {
    await emulator.close();
  }
}

function describe(
  result: WorkerResult,
  log: RecordedRequest[],
): AutoCancelFigures {
  const celonis = log.filter((entry) => CELONIS_ROUTES.has(entry.route));
  const admitted = celonis.filter((entry) => entry.status !== 429);
  const requests: Record<string, number> = {};
  for (const { route } of admitted) {
    requests[route] = (requests[route] ?? 0) + 1;
  }
  const boundMs = (admitted.length / SCALE.rateLimitPerSecond) * 1000;

  return {
    jobs: SCALE.pools * SCALE.jobsPerPool,
    durationMs: result.durationMs,
    requests,
    requestsNeeded: admitted.length,
    boundMs: round(boundMs, 1),
    ratio: round(result.durationMs / boundMs, 2),
    tooManyRequests: celonis.length - admitted.length,
    summary: result.summary,
    failed: (result.summary.failed ?? 0) + result.poolErrors.length,
    error: result.error,
  };
}
