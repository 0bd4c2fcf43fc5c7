/**
 * The warm benchmark's child: one function's handler in this process (one
 * warm container), invoked again and again, next to direct `fetch` calls
 * that make the same Celonis calls the handler makes. The difference is
 * what our layer adds: authentication, validation, parsing, logging,
 * middy. Run by warm.ts:
 *
 *     node bench/warm-worker.ts status|cancel
 *
 * The emulator runs in this process too. One request at a time means its
 * work is serial with ours either way, and a second process would add a
 * wake-up per request that a busy machine turns into noise in the p99.
 * @module
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { startCelonisEmulator } from '../emulator/celonis.ts';
import type { RecordedRequest } from '../emulator/types.ts';
import { lambdaContext } from '../test/helpers/events.ts';
import { report } from './child.ts';
import { cancelEvent, celonisPaths, listJobsEvent } from './events.ts';
import {
  APP_KEY,
  benchPool,
  benchSecrets,
  DIRECT_API_KEY,
  functionEnv,
  NEVER_MS,
} from './fixtures.ts';
import { round, summarize } from './stats.ts';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<{ statusCode: number }>;

const mode = process.argv[2] === 'cancel' ? 'cancel' : 'status';
const samples = Number(process.env.BENCH_SAMPLES ?? '5000');
const warmup = Number(process.env.BENCH_WARMUP ?? '500');
const rounds = Number(process.env.BENCH_ROUNDS ?? '5');
const emulator = await startCelonisEmulator({
  pools: [benchPool()],
  appKeys: [APP_KEY],
  apiKeys: [DIRECT_API_KEY],
  secrets: benchSecrets(),
  cancelDelayMs: NEVER_MS,
});
const celonisUrl = emulator.url;
// Far above what a sequential loop reaches: the limiter keeps its books
// but never makes a request wait, so only our code is timed.
Object.assign(
  process.env,
  functionEnv(celonisUrl, { CELONIS_MAX_RPS: '100000' }),
);
const headers = {
  authorization: `Bearer ${DIRECT_API_KEY}`,
  accept: 'application/json',
};

async function call(path: string, method = 'GET'): Promise<void> {
  const response = await fetch(`${celonisUrl}${path}`, { method, headers });
  await response.text();
}

/** `GET /pools/{pool}/jobs` without us: the job and status lists. */
async function directList(): Promise<void> {
  await Promise.all([call(celonisPaths.jobs), call(celonisPaths.statuses)]);
}

/** A cancel without us: the job and the status list, then the cancel. */
async function directCancel(): Promise<void> {
  await Promise.all([call(celonisPaths.job), call(celonisPaths.statuses)]);
  await call(celonisPaths.cancel, 'POST');
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();

  return performance.now() - start;
}

const loaded = await import(
  mode === 'status' ? '../functions/status.ts' : '../functions/cancel.ts'
);
const handler = loaded.handler as Handler;
const event = mode === 'status' ? listJobsEvent() : cancelEvent();
const direct = mode === 'status' ? directList : directCancel;
const answers: Record<string, number> = {};

async function viaHandler(): Promise<number> {
  const context = lambdaContext(29_000, mode);
  const start = performance.now();
  const { statusCode } = await handler(event, context);
  const elapsed = performance.now() - start;
  answers[statusCode] = (answers[statusCode] ?? 0) + 1;

  return elapsed;
}

/** `count` handler and direct samples, taken in turns. */
async function sample(count: number): Promise<[number[], number[]]> {
  const handlerMs: number[] = [];
  const directMs: number[] = [];
  for (let index = 0; index < count; index++) {
    // Alternating who goes first keeps whatever favours the second call (a
    // connection just returned to the pool, a GC already done) out of the
    // difference.
    if (index % 2 === 0) {
      handlerMs.push(await viaHandler());
      directMs.push(await timed(direct));
    } else {
      directMs.push(await timed(direct));
      handlerMs.push(await viaHandler());
    }
  }

  return [handlerMs, directMs];
}

await sample(warmup);
// Several rounds instead of one long run: a burst of load from elsewhere
// on the machine spoils one round, and the median round leaves it out.
const perRound = Math.ceil(samples / rounds);
const measured = [];
const allHandlerMs: number[] = [];
const allDirectMs: number[] = [];
for (let round = 0; round < rounds; round++) {
  const [handlerMs, directMs] = await sample(perRound);
  measured.push({ handler: summarize(handlerMs), direct: summarize(directMs) });
  allHandlerMs.push(...handlerMs);
  allDirectMs.push(...directMs);
}

/**
 * The handler's Celonis calls by route. It signs in with the app key, the
 * direct baseline with an API key, so the log tells them apart.
 */
function callsPerRequest(
  log: RecordedRequest[],
  requests: number,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { route, auth } of log) {
    if (auth === 'appkey') {
      counts[route] = (counts[route] ?? 0) + 1;
    }
  }

  return Object.fromEntries(
    Object.entries(counts).map(([route, count]) => [
      route,
      round(count / requests, 2),
    ]),
  );
}

const requests = warmup + perRound * rounds;
const log = emulator.requests();
report({
  mode,
  requests,
  answers,
  rounds: measured,
  pooled: { handler: summarize(allHandlerMs), direct: summarize(allDirectMs) },
  celonisCallsPerRequest: callsPerRequest(log, requests),
  secretReads: log.filter((entry) => entry.route === 'secrets').length,
});
// Keep-alive sockets would hold the process open.
process.exit(0);
