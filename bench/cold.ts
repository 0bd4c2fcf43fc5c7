/**
 * Cold start: a new Node process imports a bundle and serves its first
 * request, from the spawn to the answer. Every function is compared with
 * the minimal handler (one raw secret read, one `fetch`). Samples are taken
 * round-robin, so a slow moment of the machine hits every bundle alike, and
 * the first round only warms the file cache and is dropped.
 * @module
 */
import type { Bundle, Bundles } from './bundles.ts';
import { runInSandbox, type SandboxRun } from './sandbox.ts';
import { median, round } from './stats.ts';

export const COLD_GOAL_RATIO = 1.5;

export interface ColdFigures {
  name: string;
  samples: number;
  /** Medians, ms. */
  coldMs: number;
  bootMs: number;
  loadMs: number;
  firstRequestMs: number;
  /** coldMs over the minimal handler's. */
  ratio: number;
  outcomes: Record<string, number>;
}

export async function measureColdStarts(
  bundles: Bundles,
  url: string,
  samples: number,
): Promise<ColdFigures[]> {
  const all = [bundles.minimal, ...bundles.functions];
  const runs = new Map<string, SandboxRun[]>(all.map((b) => [b.name, []]));
  for (let round = 0; round <= samples; round++) {
    for (const bundle of all) {
      const run = await coldRun(bundle, url);
      if (round > 0) {
        runs.get(bundle.name)?.push(run);
      }
    }
  }
  const figures = all.map((bundle) =>
    describe(bundle.name, runs.get(bundle.name) ?? []),
  );
  const floor = figures[0]?.coldMs ?? Number.NaN;

  return figures.map((entry) => ({
    ...entry,
    ratio: round(entry.coldMs / floor, 2),
  }));
}

function coldRun(bundle: Bundle, url: string): Promise<SandboxRun> {
  return runInSandbox(bundle, url, {
    requests: 1,
    logName: `cold-${bundle.name}.log`,
  });
}

function describe(name: string, runs: SandboxRun[]): ColdFigures {
  const pick = (key: keyof Omit<SandboxRun, 'outcomes'>) =>
    round(median(runs.map((run) => run[key])), 1);
  const outcomes: Record<string, number> = {};
  for (const run of runs) {
    for (const [outcome, count] of Object.entries(run.outcomes)) {
      outcomes[outcome] = (outcomes[outcome] ?? 0) + count;
    }
  }

  return {
    name,
    samples: runs.length,
    coldMs: pick('coldMs'),
    bootMs: pick('bootMs'),
    loadMs: pick('loadMs'),
    firstRequestMs: pick('firstRequestMs'),
    ratio: Number.NaN,
    outcomes,
  };
}
