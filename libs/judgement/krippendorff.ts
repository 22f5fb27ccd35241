/**
 * Krippendorff's alpha for reliability data: units (here, run items) each rated by some of the raters.
 * Follows Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011): values are paired within
 * each unit into a coincidence matrix, units with fewer than two values are not pairable and dropped.
 */

/** How far apart two values are. Ordinal is the one used for stars; the others check the computation. */
export type AlphaMetric = 'nominal' | 'ordinal' | 'interval';

/** The value of alpha and how much data is behind it. */
export interface AlphaResult {
  alpha: number | null;
  /** Units with at least two values. */
  pairableUnits: number;
  /** Values in those units (n in the paper). */
  pairableValues: number;
}

/**
 * Alpha over `units`, each the list of values the raters gave it (missing ratings left out). Null when
 * fewer than two units are pairable or the values never vary (expected disagreement 0: alpha undefined).
 */
export function krippendorffAlpha(units: number[][], metric: AlphaMetric): AlphaResult {
  const pairable = units.filter((u) => u.length >= 2);
  const values = [...new Set(pairable.flat())].sort((a, b) => a - b);
  const at = new Map(values.map((v, i) => [v, i]));
  const k = values.length;
  // Coincidence matrix: each ordered pair of values in a unit of m values counts 1/(m−1).
  const o = Array.from({ length: k }, () => new Float64Array(k));
  for (const unit of pairable) {
    const weight = 1 / (unit.length - 1);
    for (let a = 0; a < unit.length; a++)
      for (let b = 0; b < unit.length; b++)
        if (a !== b) o[at.get(unit[a]) as number][at.get(unit[b]) as number] += weight;
  }
  const marginals = o.map((row) => row.reduce((s, x) => s + x, 0));
  const n = marginals.reduce((s, x) => s + x, 0);
  const result = { pairableUnits: pairable.length, pairableValues: Math.round(n) };
  if (pairable.length < 2 || k < 2) return { alpha: null, ...result };
  const delta = (c: number, d: number) => distance(metric, values, marginals, c, d);
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < k; c++)
    for (let d = 0; d < k; d++) {
      const squared = delta(c, d);
      observed += o[c][d] * squared;
      expected += marginals[c] * marginals[d] * squared;
    }
  if (expected === 0) return { alpha: null, ...result };
  return { alpha: 1 - ((n - 1) * observed) / expected, ...result };
}

/**
 * Squared difference δ² between the c-th and d-th distinct values. Ordinal: the number of values (by the
 * marginals) from c to d, less half of each end's own count, squared, so ranks matter and not spacing.
 */
function distance(metric: AlphaMetric, values: number[], marginals: number[], c: number, d: number): number {
  if (c === d) return 0;
  switch (metric) {
    case 'nominal':
      return 1;
    case 'interval':
      return (values[c] - values[d]) ** 2;
    case 'ordinal': {
      const [low, high] = c < d ? [c, d] : [d, c];
      let between = 0;
      for (let g = low; g <= high; g++) between += marginals[g];
      return (between - (marginals[low] + marginals[high]) / 2) ** 2;
    }
  }
}
