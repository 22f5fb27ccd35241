import { seededRandom } from '../core/seeded-random';

/** Resamples of the paired bootstrap: stable 2.5/97.5 percentiles for tens of cases, cheap for thousands. */
const BOOTSTRAP_RESAMPLES = 4000;
/** Sign flips drawn when there are too many pairs to enumerate every one. */
const PERMUTATIONS = 10000;
/** Up to this many pairs the permutation test enumerates all 2^n sign flips (exact p-value). */
const EXACT_UP_TO = 14;

/** Mean of paired differences with a bootstrap 95% interval and a two-sided permutation p-value. */
export interface PairedDifference {
  n: number;
  mean: number;
  ciLow: number | null;
  ciHigh: number | null;
  pValue: number | null;
}

/**
 * Paired comparison of per-case differences (b − a). The interval resamples cases with replacement
 * (percentile bootstrap, seeded so the same runs always give the same interval); the p-value is that of a
 * sign-flip permutation test: under "no difference" each case's difference is as likely negative as
 * positive, so the observed |mean| is ranked among the means with random signs.
 */
export function pairedDifference(deltas: number[], seed: number): PairedDifference {
  const n = deltas.length;
  if (n === 0) return { n, mean: NaN, ciLow: null, ciHigh: null, pValue: null };
  const mean = deltas.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, ciLow: null, ciHigh: null, pValue: null };
  const random = seededRandom(seed);
  const means = new Float64Array(BOOTSTRAP_RESAMPLES);
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
    let total = 0;
    for (let k = 0; k < n; k++) total += deltas[Math.floor(random() * n)];
    means[r] = total / n;
  }
  means.sort();
  return {
    n,
    mean,
    ciLow: means[Math.floor(0.025 * (BOOTSTRAP_RESAMPLES - 1))],
    ciHigh: means[Math.ceil(0.975 * (BOOTSTRAP_RESAMPLES - 1))],
    pValue: signFlipPValue(deltas, random),
  };
}

function signFlipPValue(deltas: number[], random: () => number): number {
  const n = deltas.length;
  const observed = Math.abs(deltas.reduce((a, b) => a + b, 0));
  // Sums within a rounding error of the observed one count as "as extreme".
  const tolerance = 1e-9 * (1 + observed);
  if (n <= EXACT_UP_TO) {
    let extreme = 0;
    const total = 2 ** n;
    for (let mask = 0; mask < total; mask++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += mask & (1 << k) ? -deltas[k] : deltas[k];
      if (Math.abs(sum) >= observed - tolerance) extreme++;
    }
    return extreme / total;
  }
  let extreme = 0;
  for (let r = 0; r < PERMUTATIONS; r++) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += random() < 0.5 ? -deltas[k] : deltas[k];
    if (Math.abs(sum) >= observed - tolerance) extreme++;
  }
  // The observed labelling is one of the permutations: p is never 0.
  return (extreme + 1) / (PERMUTATIONS + 1);
}

/** A stable 32-bit seed from a string (FNV-1a), so each comparison gets its own fixed random stream. */
export function seedOfText(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h >>> 0;
}
