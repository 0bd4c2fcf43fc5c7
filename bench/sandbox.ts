/**
 * A bundle run in a new process by lambda-runner.mjs, with the event and
 * environment its function gets in AWS: what the cold start and memory
 * benchmarks share.
 * @module
 */
import type { Bundle } from './bundles.ts';
import { runChild } from './child.ts';
import { autoCancelDryRunEvent, cancelEvent, listJobsEvent } from './events.ts';
import { type Env, functionEnv, TOPIC_ARN } from './fixtures.ts';

export interface SandboxRun {
  /** From the spawn to the first answer: what a cold caller waits. */
  coldMs: number;
  /** Node's own start, before the bundle is imported. */
  bootMs: number;
  /** Importing the bundle: module code and configuration. */
  loadMs: number;
  /** The first invocation: first secret reads, first connections. */
  firstRequestMs: number;
  outcomes: Record<string, number>;
  maxRssBytes: number;
  heapUsedBytes: number;
}

interface RunnerResult {
  timeOrigin: number;
  startedAt: number;
  loadedAt: number;
  firstAnswerAt: number;
  outcomes: Record<string, number>;
  maxRssBytes: number;
  heapUsedBytes: number;
}

/** What each function is asked in the benchmarks. */
export function eventFor(bundle: Bundle): unknown {
  switch (bundle.name) {
    case 'status':
      return listJobsEvent();
    case 'cancel':
      return cancelEvent();
    case 'autoCancel':
      return autoCancelDryRunEvent();
    default:
      return {};
  }
}

/** The function's environment; autoCancel notifies like a deployed stack. */
export function envFor(bundle: Bundle, url: string, extra: Env = {}): Env {
  const notify: Env =
    bundle.name === 'autoCancel' ? { NOTIFY_TOPIC_ARN: TOPIC_ARN } : {};

  return functionEnv(url, { ...notify, ...extra });
}

/** The smallest Lambda size: every function has to fit it. */
export const SANDBOX_MEMORY_MB = 128;

/**
 * The V8 limits the Lambda Node.js runtime's bootstrap sets for a
 * function's memory size: a tenth for the young generation, the rest for
 * the old one. With Node's defaults the heap grows far larger before it
 * collects, and the peak would say more about V8 than about the function.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);

  return [
    '--expose-gc',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

export async function runInSandbox(
  bundle: Bundle,
  url: string,
  options: { requests: number; env?: Env; logName: string },
): Promise<SandboxRun> {
  const { result, spawnedAt } = await runChild<RunnerResult>({
    script: './lambda-runner.mjs',
    args: [bundle.file],
    nodeFlags: lambdaNodeFlags(SANDBOX_MEMORY_MB),
    env: {
      ...envFor(bundle, url, options.env),
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(SANDBOX_MEMORY_MB),
      BENCH_REQUESTS: String(options.requests),
      BENCH_EVENT: JSON.stringify(eventFor(bundle)),
    },
    logName: options.logName,
  });

  return {
    coldMs: result.timeOrigin + result.firstAnswerAt - spawnedAt,
    bootMs: result.timeOrigin + result.startedAt - spawnedAt,
    loadMs: result.loadedAt - result.startedAt,
    firstRequestMs: result.firstAnswerAt - result.loadedAt,
    outcomes: result.outcomes,
    maxRssBytes: result.maxRssBytes,
    heapUsedBytes: result.heapUsedBytes,
  };
}
