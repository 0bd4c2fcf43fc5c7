/**
 * Memory: the peak resident set of a process that loads a bundle and
 * serves 1,000 requests one after the other, with the V8 limits of a
 * 128 MB Lambda, next to the minimal handler doing the same. The service's
 * own request limit is lifted here, so the run takes seconds instead of the
 * minutes that 20 requests per second would; how many requests go out does
 * not change what stays in memory. The emulator's log also tells how often
 * each function read its secrets over those requests.
 * @module
 */
import type { CelonisEmulator } from '../emulator/types.ts';
import type { Bundles } from './bundles.ts';
import { runInSandbox, SANDBOX_MEMORY_MB } from './sandbox.ts';
import { round } from './stats.ts';

export const MEMORY_GOAL_MB = SANDBOX_MEMORY_MB;

export interface MemoryFigures {
  name: string;
  requests: number;
  peakRssMb: number;
  heapUsedMb: number;
  outcomes: Record<string, number>;
  secretReads: number;
}

export async function measureMemory(
  bundles: Bundles,
  emulator: CelonisEmulator,
  requests: number,
): Promise<MemoryFigures[]> {
  const figures: MemoryFigures[] = [];
  for (const bundle of [bundles.minimal, ...bundles.functions]) {
    emulator.clearRequests();
    const run = await runInSandbox(bundle, emulator.url, {
      requests,
      env: { CELONIS_MAX_RPS: '100000' },
      logName: `memory-${bundle.name}.log`,
    });
    figures.push({
      name: bundle.name,
      requests,
      peakRssMb: toMb(run.maxRssBytes),
      heapUsedMb: toMb(run.heapUsedBytes),
      outcomes: run.outcomes,
      secretReads: emulator
        .requests()
        .filter((entry) => entry.route === 'secrets').length,
    });
  }

  return figures;
}

/** MB as Lambda counts memory: 1 MB = 2^20 bytes. */
function toMb(bytes: number): number {
  return round(bytes / 2 ** 20, 1);
}
