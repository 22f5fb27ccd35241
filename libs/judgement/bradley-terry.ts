import { quantileSorted } from 'simple-statistics';
import { seededRandom } from '../core/seeded-random';

/** One pairwise outcome between two variants: `a` scores 1 (won), 0 (lost) or 0.5 (tie). */
export interface PairOutcome {
  a: string;
  b: string;
  /** 1 when `a` won, 0 when `b` won, 0.5 for a tie (and for "both bad"). */
  scoreA: number;
}

/** A variant's standing: Elo-like rating, 95% bootstrap interval, and its raw record. */
export interface Standing {
  variant: string;
  rating: number;
  ci_low: number | null;
  ci_high: number | null;
  wins: number;
  losses: number;
  ties: number;
}

/** Elo-like scale: 400 points per factor of ten in the odds of winning, centred on 1000 (as chess and LMArena). */
export const ELO_SCALE = 400;
export const ELO_BASE = 1000;

/**
 * Virtual ties added between every two variants that met: a variant that won (or lost) every vote
 * would otherwise have an infinite strength. 0.1 of a vote moves a fit of tens of votes by a few points.
 */
export const DEFAULT_PRIOR_TIES = 0.1;

/**
 * Bradley–Terry strengths by Hunter's (2004) MM iterations: p_i ← W_i / Σ_j n_ij / (p_i + p_j), where W_i
 * counts wins (ties as half a win each) and n_ij the comparisons of i and j. Strengths are normalised to
 * a geometric mean of 1 after every step. `priorTies` virtual ties per pair that met keep the fit finite;
 * with 0 it is the maximum-likelihood estimate (which exists when every variant both won and lost).
 */
export function fitBradleyTerry(
  variants: string[],
  outcomes: PairOutcome[],
  priorTies = DEFAULT_PRIOR_TIES,
  maxIterations = 10_000,
  tolerance = 1e-10,
): Map<string, number> {
  const k = variants.length;
  const index = new Map(variants.map((v, i) => [v, i]));
  const wins = new Float64Array(k);
  const games = Array.from({ length: k }, () => new Float64Array(k));
  for (const o of outcomes) {
    const i = index.get(o.a);
    const j = index.get(o.b);
    if (i === undefined || j === undefined || i === j) continue;
    wins[i] += o.scoreA;
    wins[j] += 1 - o.scoreA;
    games[i][j] += 1;
    games[j][i] += 1;
  }
  if (priorTies > 0) {
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++)
        if (games[i][j] > 0) {
          games[i][j] += priorTies;
          games[j][i] += priorTies;
          wins[i] += priorTies / 2;
          wins[j] += priorTies / 2;
        }
  }
  let p = new Float64Array(k).fill(1);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      let denominator = 0;
      for (let j = 0; j < k; j++) if (games[i][j] > 0) denominator += games[i][j] / (p[i] + p[j]);
      // A variant with no comparisons keeps strength 1 (rating 1000): nothing is known about it.
      next[i] = denominator > 0 ? wins[i] / denominator : 1;
    }
    normalise(next);
    let change = 0;
    for (let i = 0; i < k; i++) change = Math.max(change, Math.abs(Math.log(next[i]) - Math.log(p[i])));
    p = next;
    if (change < tolerance) break;
  }
  return new Map(variants.map((v, i) => [v, p[i]]));
}

/** Geometric mean 1, so the log-strengths are centred on 0 and the ratings on 1000. */
function normalise(p: Float64Array): void {
  const positive = Array.from(p).filter((x) => x > 0);
  if (positive.length === 0) return;
  const logMean = positive.reduce((s, x) => s + Math.log(x), 0) / positive.length;
  const factor = Math.exp(-logMean);
  for (let i = 0; i < p.length; i++) p[i] *= factor;
}

/** A strength on the Elo-like scale; a strength of 0 (never won, no prior) is −Infinity, shown as such. */
export function eloOf(strength: number): number {
  return ELO_BASE + ELO_SCALE * Math.log10(strength);
}

/** Resamples for the intervals: enough for stable 2.5/97.5 percentiles, a few ms per hundred votes. */
export const ARENA_BOOTSTRAP_RESAMPLES = 400;

/**
 * Ratings with percentile-bootstrap 95% intervals: the votes are resampled with replacement (seeded, so
 * the same votes give the same intervals), the model is refitted on each resample.
 */
export function standings(
  variants: string[],
  outcomes: PairOutcome[],
  seed = 14,
  resamples = ARENA_BOOTSTRAP_RESAMPLES,
): Standing[] {
  const fit = fitBradleyTerry(variants, outcomes);
  const samples = new Map(variants.map((v) => [v, [] as number[]]));
  if (outcomes.length >= 2) {
    const random = seededRandom(seed);
    for (let r = 0; r < resamples; r++) {
      const drawn = outcomes.map(() => outcomes[Math.floor(random() * outcomes.length)]);
      const refit = fitBradleyTerry(variants, drawn, DEFAULT_PRIOR_TIES, 500, 1e-7);
      for (const v of variants) samples.get(v)?.push(eloOf(refit.get(v) ?? 1));
    }
  }
  return variants.map((variant) => {
    const record = { wins: 0, losses: 0, ties: 0 };
    for (const o of outcomes) {
      if (o.a !== variant && o.b !== variant) continue;
      const own = o.a === variant ? o.scoreA : 1 - o.scoreA;
      if (own === 1) record.wins++;
      else if (own === 0) record.losses++;
      else record.ties++;
    }
    const drawn = (samples.get(variant) ?? []).sort((x, y) => x - y);
    const played = record.wins + record.losses + record.ties > 0;
    return {
      variant,
      rating: eloOf(fit.get(variant) ?? 1),
      ci_low: played && drawn.length > 0 ? quantileSorted(drawn, 0.025) : null,
      ci_high: played && drawn.length > 0 ? quantileSorted(drawn, 0.975) : null,
      ...record,
    };
  });
}
