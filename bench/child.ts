/**
 * Child processes for the benchmarks. Each function runs in a process of
 * its own, as in Lambda: handler modules read their configuration when they
 * load, and a fresh process is the only honest cold start. A child reports
 * through a JSON file named by `BENCH_RESULT_FILE`; its log lines go to a
 * file under bench/results/logs, where they stay for a look after a run.
 * @module
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from './fixtures.ts';

export const RESULTS_DIR = fileURLToPath(new URL('./results', import.meta.url));
export const LOGS_DIR = join(RESULTS_DIR, 'logs');

export interface ChildOptions {
  /** The script, absolute or relative to bench/. */
  script: string;
  args?: string[];
  env: Env;
  /** The log file's name under bench/results/logs. */
  logName: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  timeoutMs?: number;
}

export interface ChildRun<T> {
  result: T;
  /** Epoch ms with sub-ms precision, taken just before the spawn. */
  spawnedAt: number;
}

let sequence = 0;
let profileDir: string | undefined;

/**
 * From now on every child writes a CPU profile (`--cpu-prof`) into `dir`,
 * to open in Chrome DevTools or VS Code. Profiling slows the children, so
 * figures taken with it are not comparable.
 */
export function profileChildren(dir: string): void {
  mkdirSync(dir, { recursive: true });
  profileDir = dir;
}

/** Runs a child to its end and returns what it reported. */
export async function runChild<T>(options: ChildOptions): Promise<ChildRun<T>> {
  mkdirSync(LOGS_DIR, { recursive: true });
  const resultFile = join(
    RESULTS_DIR,
    `.child-${process.pid}-${sequence++}.json`,
  );
  const log = openSync(join(LOGS_DIR, options.logName), 'a');
  const script = fileURLToPath(new URL(options.script, import.meta.url));

  const spawnedAt = epochNow();
  const profiling =
    profileDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const child = spawn(
    process.execPath,
    [
      ...profiling,
      ...(options.nodeFlags ?? []),
      script,
      ...(options.args ?? []),
    ],
    {
      env: { ...options.env, BENCH_RESULT_FILE: resultFile },
      stdio: ['ignore', log, log],
      timeout: options.timeoutMs ?? 120_000,
    },
  );
  closeSync(log);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string];
  try {
    if (code !== 0) {
      throw new Error(
        `${options.script} ended with ${signal ?? `code ${code}`}; see bench/results/logs/${options.logName}`,
      );
    }

    return { result: JSON.parse(readFileSync(resultFile, 'utf8')), spawnedAt };
  } finally {
    rmSync(resultFile, { force: true });
  }
}

/** Called by a child: hands `value` to the parent. */
export function report(value: unknown): void {
  const file = process.env.BENCH_RESULT_FILE;
  if (file === undefined) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  writeFileSync(file, JSON.stringify(value));
}

/** Wall-clock time with the precision of `performance.now()`. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export function clearLogs(): void {
  rmSync(LOGS_DIR, { recursive: true, force: true });
}
