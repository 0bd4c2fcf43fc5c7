/**
 * Percentiles of latency samples. Nearest rank on the sorted samples: no
 * interpolation, so every figure reported is a latency that was measured.
 * @module
 */

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** The `p`-th percentile (0-100) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const rank = Math.ceil((p / 100) * sorted.length);

  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return percentile(
    [...samples].sort((a, b) => a - b),
    50,
  );
}

/**
 * @example
 * summarize([1.2, 0.9, 1.1]); // { n: 3, p50: 1.1, p99: 1.2, ... }
 */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);

  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    mean: round(total / sorted.length),
    min: round(sorted[0] ?? Number.NaN),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

/** Three decimals: microseconds, when the unit is milliseconds. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;

  return Math.round(value * factor) / factor;
}
