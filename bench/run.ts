/**
 * `npm run bench`: what this service adds to the Celonis round trip, each
 * figure beside its goal. Everything runs locally against the emulator on
 * 127.0.0.1; the table is printed and written to bench/results/latest.json.
 * A missed goal is reported, not failed: benchmarks measure, tests judge.
 * The exit code is 1 only when a benchmark could not run at all.
 *
 *     node bench/run.ts [--quick] [--profile] [--esbuild]
 *
 * `--quick` takes fewer samples, for trying out a change in seconds.
 * `--esbuild` builds the bundles with esbuild instead of packaging them
 * with serverless.yml.
 * `--profile` writes a CPU profile of every child process to
 * bench/results/profiles (and slows them down, so compare no figures).
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCelonisEmulator } from '../emulator/celonis.ts';
import type { CelonisEmulator } from '../emulator/types.ts';
import { type AutoCancelFigures, measureAutoCancel } from './auto-cancel.ts';
import { type Bundles, cleanupBundles, prepareBundles } from './bundles.ts';
import { clearLogs, profileChildren, RESULTS_DIR } from './child.ts';
import { type ColdFigures, measureColdStarts } from './cold.ts';
import {
  APP_KEY,
  benchPool,
  benchSecrets,
  DIRECT_API_KEY,
  NEVER_MS,
} from './fixtures.ts';
import { type MemoryFigures, measureMemory } from './memory.ts';
import {
  autoCancelRows,
  coldRows,
  failedRow,
  formatTable,
  memoryRows,
  missedGoals,
  type Row,
  secretRows,
  sizeRows,
  warmRows,
} from './report.ts';
import { measureWarm, type WarmFigures } from './warm.ts';

const SAMPLES = {
  full: { warm: 5000, cold: 20, memory: 1000 },
  quick: { warm: 500, cold: 3, memory: 200 },
};

interface Results {
  bundles?: Omit<Bundles, 'dir'>;
  warm: WarmFigures[];
  cold?: ColdFigures[];
  memory?: MemoryFigures[];
  autoCancel?: AutoCancelFigures;
}

const rows: Row[] = [];

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

/** Runs one benchmark; a crash becomes an ERROR row, and the rest go on. */
async function step<T>(
  name: string,
  work: () => Promise<T>,
): Promise<T | undefined> {
  progress(`${name}...`);
  const start = performance.now();
  try {
    const value = await work();
    progress(
      `${name} done in ${((performance.now() - start) / 1000).toFixed(1)} s`,
    );

    return value;
  } catch (error) {
    progress(`${name} failed: ${error instanceof Error ? error.stack : error}`);
    rows.push(failedRow(name, error));

    return undefined;
  }
}

/** The emulated team for the warm, cold and memory runs, at zero latency. */
function startBenchEmulator(): Promise<CelonisEmulator> {
  return startCelonisEmulator({
    pools: [benchPool()],
    appKeys: [APP_KEY],
    apiKeys: [DIRECT_API_KEY],
    secrets: benchSecrets(),
    cancelDelayMs: NEVER_MS,
  });
}

/** Warm runs need only the sources; the others need the bundles. */
async function measureAll(
  bundles: Bundles | undefined,
  samples: (typeof SAMPLES)['full'],
): Promise<Results> {
  const results: Results = { warm: [] };
  const emulator = await startBenchEmulator();
  try {
    for (const name of ['status', 'cancel'] as const) {
      const warm = await step(`warm ${name}`, () =>
        measureWarm(name, samples.warm),
      );
      if (warm) {
        results.warm.push(warm);
        rows.push(...warmRows(warm));
      }
    }
    if (bundles) {
      await measureBundles(bundles, emulator, samples, results);
    }
    rows.push(...secretRows(results.warm, results.memory ?? []));
    rows.push(...memoryRows(results.memory ?? []));
  } finally {
    await emulator.close();
  }
  results.autoCancel = await step('autoCancel at scale', measureAutoCancel);
  if (results.autoCancel) {
    rows.push(...autoCancelRows(results.autoCancel));
  }

  return results;
}

async function measureBundles(
  bundles: Bundles,
  emulator: CelonisEmulator,
  samples: (typeof SAMPLES)['full'],
  results: Results,
): Promise<void> {
  results.cold = await step('cold starts', () =>
    measureColdStarts(bundles, emulator.url, samples.cold),
  );
  rows.push(...coldRows(results.cold ?? []));
  rows.push(...sizeRows(bundles));
  results.memory = await step('memory', () =>
    measureMemory(bundles, emulator, samples.memory),
  );
}

const loadAtStart = loadavg()[0] ?? 0;

type Machine = ReturnType<typeof describeMachine>;

function describeMachine() {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
  };
}

/** Other work on the machine shows up in tails and cold starts. */
function describeLoad(machine: Machine): string {
  const { start, end } = machine.loadAverage;
  const busy = Math.max(start, end) > machine.cpus;
  const figures = `load average ${start.toFixed(1)} at start, ${end.toFixed(1)} at end`;

  return busy
    ? `${figures}: the machine was busy with other work, so p99s, cold starts and autoCancel are inflated; run again on a quiet machine`
    : figures;
}

function writeResults(
  results: Results,
  machine: Machine,
  quick: boolean,
): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest.json');
  const document = {
    generatedAt: new Date().toISOString(),
    quick,
    machine,
    rows,
    ...results,
  };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);

  return file;
}

function printSummary(
  bundles: Bundles | undefined,
  machine: Machine,
  file: string,
): void {
  console.log(
    `\ncelonis-job-control benchmarks: Node ${machine.node}, ${machine.cpus} x ${machine.cpuModel}`,
  );
  console.log(describeLoad(machine));
  console.log(`bundles: ${bundles?.source ?? 'none (build failed)'}\n`);
  console.log(formatTable(rows));
  const missed = missedGoals(rows);
  console.log(
    missed.length === 0
      ? '\nEvery goal is met.'
      : `\nGoals missed or not measured (${missed.length}):\n${missed.map((row) => `  - ${row.metric}: ${row.measured}`).join('\n')}`,
  );
  console.log(`\nwritten to ${file}`);
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    esbuild: { type: 'boolean', default: false },
  },
});
const quick = values.quick ?? false;
clearLogs();
if (values.profile) {
  profileChildren(join(RESULTS_DIR, 'profiles'));
}
const bundles = await step('bundles', () =>
  prepareBundles({ esbuild: values.esbuild ?? false }),
);
const results = await measureAll(bundles, quick ? SAMPLES.quick : SAMPLES.full);
if (bundles) {
  const { dir: _dir, ...kept } = bundles;
  results.bundles = kept;
  cleanupBundles(bundles);
}
const machine = describeMachine();
printSummary(bundles, machine, writeResults(results, machine, quick));
process.exitCode = rows.some((row) => row.met === undefined) ? 1 : 0;
