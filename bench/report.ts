/**
 * The results as one table of metric, measured, goal and met, and the
 * list of goals missed. Each benchmark's figures become rows here, so the
 * benchmarks stay free of formatting.
 * @module
 */
import {
  AUTO_CANCEL_GOAL_RATIO,
  type AutoCancelFigures,
} from './auto-cancel.ts';
import type { Bundles } from './bundles.ts';
import { COLD_GOAL_RATIO, type ColdFigures } from './cold.ts';
import { MEMORY_GOAL_MB, type MemoryFigures } from './memory.ts';
import { WARM_GOALS, type WarmFigures } from './warm.ts';

export const SIZE_GOAL_BYTES = 250_000;

export interface Row {
  metric: string;
  measured: string;
  goal: string;
  /** Undefined when the benchmark could not run. */
  met: boolean | undefined;
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

export function warmRows(figures: WarmFigures): Row[] {
  const { p50Round, p99Round } = figures;
  const base = `warm ${figures.route}`;

  return [
    {
      metric: `${base}: p50 overhead`,
      measured: `${ms(figures.overheadP50Ms)} (handler ${ms(p50Round.handler.p50)}, direct ${ms(p50Round.direct.p50)})`,
      goal: `<= ${WARM_GOALS.p50Ms} ms`,
      met: figures.overheadP50Ms <= WARM_GOALS.p50Ms,
    },
    {
      metric: `${base}: p99 overhead`,
      measured: `${ms(figures.overheadP99Ms)} (handler ${ms(p99Round.handler.p99)}, direct ${ms(p99Round.direct.p99)})`,
      goal: `<= ${WARM_GOALS.p99Ms} ms`,
      met: figures.overheadP99Ms <= WARM_GOALS.p99Ms,
    },
  ];
}

/**
 * Secret reads of one container over many warm requests: the HTTP
 * functions from their warm runs, autoCancel from its memory run.
 */
export function secretRows(
  warm: readonly WarmFigures[],
  memory: readonly MemoryFigures[],
): Row[] {
  const http = warm.map((entry) =>
    secretRow(entry.name, entry.requests, entry.secretReads, 2),
  );
  const scheduled = memory
    .filter((entry) => entry.name === 'autoCancel')
    .map((entry) =>
      secretRow(entry.name, entry.requests, entry.secretReads, 1),
    );

  return [...http, ...scheduled];
}

// Each secret is needed by the first request, so `secrets` reads in all
// mean exactly one read of each.
function secretRow(
  name: string,
  requests: number,
  reads: number,
  secrets: number,
): Row {
  const perSecret = reads / secrets;

  return {
    metric: `GetSecretValue per secret, ${name}, ${requests} warm requests`,
    measured: `${perSecret} (${reads} call${reads === 1 ? '' : 's'}, ${secrets} secret${secrets === 1 ? '' : 's'})`,
    goal: '1 per container per 5 min',
    met: perSecret === 1,
  };
}

export function coldRows(figures: ColdFigures[]): Row[] {
  const [minimal, ...functions] = figures;

  return functions.map((entry) => ({
    metric: `cold start ${entry.name}: spawn to first answer, median of ${entry.samples}`,
    measured: `${entry.coldMs.toFixed(0)} ms = ${entry.ratio.toFixed(2)}x minimal (${minimal?.coldMs.toFixed(0)} ms)`,
    goal: `<= ${COLD_GOAL_RATIO}x minimal`,
    met: entry.ratio <= COLD_GOAL_RATIO,
  }));
}

export function sizeRows(bundles: Bundles): Row[] {
  return bundles.functions.map((bundle) => ({
    metric: `zip size ${bundle.name}`,
    measured: `${kb(bundle.zipBytes)} (module ${kb(bundle.moduleBytes)})`,
    goal: `<= ${kb(SIZE_GOAL_BYTES)}`,
    met: bundle.zipBytes <= SIZE_GOAL_BYTES,
  }));
}

export function memoryRows(figures: MemoryFigures[]): Row[] {
  const [minimal, ...functions] = figures;

  return functions.map((entry) => ({
    metric: `peak RSS ${entry.name}, ${entry.requests} requests, 128 MB V8 limits`,
    measured: `${entry.peakRssMb} MB (minimal ${minimal?.peakRssMb} MB)`,
    goal: `fits ${MEMORY_GOAL_MB} MB`,
    met: entry.peakRssMb <= MEMORY_GOAL_MB,
  }));
}

export function autoCancelRows(figures: AutoCancelFigures): Row[] {
  const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;

  return [
    {
      metric: `autoCancel ${figures.jobs} jobs: time / rate-limit bound`,
      measured: `${seconds(figures.durationMs)} / ${seconds(figures.boundMs)} (${figures.requestsNeeded} requests at 20/s) = ${figures.ratio.toFixed(2)}x`,
      goal: `<= ${AUTO_CANCEL_GOAL_RATIO}x`,
      met:
        figures.ratio <= AUTO_CANCEL_GOAL_RATIO && figures.error === undefined,
    },
    {
      metric: `autoCancel ${figures.jobs} jobs: 429s`,
      measured: `${figures.tooManyRequests} answered, ${figures.failed} failed results`,
      goal: '0 reaching the result',
      met: figures.failed === 0 && figures.error === undefined,
    },
  ];
}

export function failedRow(metric: string, error: unknown): Row {
  const message = error instanceof Error ? error.message : String(error);

  return {
    metric,
    measured: `did not run: ${message.split('\n')[0]}`,
    goal: '-',
    met: undefined,
  };
}

/** The table, with a column per field, and the goals missed under it. */
export function formatTable(rows: readonly Row[]): string {
  const cells = [
    ['metric', 'measured', 'goal', 'met?'],
    ...rows.map((row) => [row.metric, row.measured, row.goal, verdict(row)]),
  ];
  const widths = [0, 1, 2].map((column) =>
    Math.max(...cells.map((line) => line[column]?.length ?? 0)),
  );
  const lines = cells.map((line) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join(' | ')
      .trimEnd(),
  );
  const rule = widths.map((width) => '-'.repeat(width)).join('-|-');
  lines.splice(1, 0, `${rule}-|-----`);

  return lines.join('\n');
}

export function missedGoals(rows: readonly Row[]): Row[] {
  return rows.filter((row) => row.met !== true);
}

function verdict(row: Row): string {
  if (row.met === undefined) {
    return 'ERROR';
  }

  return row.met ? 'yes' : 'MISSED';
}

/** KB as 1,000 bytes, the unit of the size goal. */
function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}
