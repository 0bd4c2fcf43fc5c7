/**
 * Warm overhead and secret reads. Each HTTP function runs in a child of its
 * own (one warm container) against the emulator at zero latency; the child
 * times its handler and the direct `fetch` calls side by side, in rounds,
 * and the round with the median overhead is reported. The emulator's
 * request log tells how many GetSecretValue calls the container made over
 * all its requests, and how many Celonis calls one request costs.
 * @module
 */
import { runChild } from './child.ts';
import { round, type Summary } from './stats.ts';

export const WARM_GOALS = { p50Ms: 1, p99Ms: 3 } as const;

interface Round {
  handler: Summary;
  direct: Summary;
}

export interface WarmFigures {
  name: 'status' | 'cancel';
  route: string;
  requests: number;
  answers: Record<string, number>;
  /** The round with the median p50 overhead, and with the median p99 one. */
  p50Round: Round;
  p99Round: Round;
  overheadP50Ms: number;
  overheadP99Ms: number;
  rounds: Round[];
  /** Every round's samples together, for reference. */
  pooled: Round;
  /** Celonis calls per request, from the emulator's log. */
  celonisCallsPerRequest: Record<string, number>;
  secretReads: number;
}

interface WorkerResult {
  requests: number;
  answers: Record<string, number>;
  rounds: Round[];
  pooled: Round;
  celonisCallsPerRequest: Record<string, number>;
  secretReads: number;
}

const ROUTES = {
  status: 'GET /pools/{pool}/jobs',
  cancel: 'POST /pools/{pool}/jobs/{jobId}/cancel?wait=0',
} as const;

export async function measureWarm(
  name: WarmFigures['name'],
  samples: number,
): Promise<WarmFigures> {
  const { result } = await runChild<WorkerResult>({
    script: './warm-worker.ts',
    args: [name],
    env: { PATH: process.env.PATH ?? '', BENCH_SAMPLES: String(samples) },
    logName: `warm-${name}.log`,
  });
  const p50Round = medianRound(result.rounds, 'p50');
  const p99Round = medianRound(result.rounds, 'p99');

  return {
    name,
    route: ROUTES[name],
    requests: result.requests,
    answers: result.answers,
    p50Round,
    p99Round,
    overheadP50Ms: overhead(p50Round, 'p50'),
    overheadP99Ms: overhead(p99Round, 'p99'),
    rounds: result.rounds,
    pooled: result.pooled,
    celonisCallsPerRequest: result.celonisCallsPerRequest,
    secretReads: result.secretReads,
  };
}

function overhead(entry: Round, key: 'p50' | 'p99'): number {
  return round(entry.handler[key] - entry.direct[key]);
}

/** The round whose overhead at `key` is the median of all rounds. */
function medianRound(rounds: Round[], key: 'p50' | 'p99'): Round {
  const sorted = [...rounds].sort(
    (a, b) => overhead(a, key) - overhead(b, key),
  );
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) {
    throw new Error('the warm benchmark took no samples');
  }

  return middle;
}
