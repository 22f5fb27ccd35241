import { quantileSorted, sampleRankCorrelation } from 'simple-statistics';
import { seededRandom } from '../core/seeded-random';
import type { ItemRatings } from '../ratings/ratings-in-force';
import type { Standing } from './bradley-terry';
import { krippendorffAlpha } from './krippendorff';

/**
 * Below this many pairs (ratings with a machine score, multi-rated items, or variants) a figure is
 * "not enough ratings" and null. Five is the least n at which even a perfect rank agreement can be told
 * from chance at the 5% level (exact test: P(ρ = 1) = 1/n!, two-sided 2/120 = 0.017 at n = 5 but
 * 2/24 = 0.083 at n = 4). docs/judgement.md explains it and the same floor for alpha.
 */
export const MIN_RATINGS = 5;

/** Resamples for the pooled Spearman interval (seeded: the same ratings give the same interval). */
const RESAMPLES = 1000;

/** `GET /api/runs/{id}/agreement`. Figures are null where too few ratings stand behind them. */
export interface RunAgreement {
  run_id: string;
  min_ratings: number;
  /** Krippendorff's alpha (ordinal) over the items rated by at least two raters. */
  krippendorff_alpha_ordinal: number | null;
  n_items_multi_rated: number;
  n_raters: number;
  /** Spearman between stars and machine score over every rating in force of a scored item. */
  spearman_pooled: number | null;
  /** Seeded percentile-bootstrap 95% interval of `spearman_pooled`. */
  spearman_ci: [number, number] | null;
  n_ratings: number;
  raters: Array<{ rater: string; n: number; spearman_vs_machine: number | null }>;
  /** Spearman between the arena rating and the mean machine score of each variant. */
  arena: { votes: number; n_variants: number; spearman_vs_machine: number | null };
}

/** A scored or rated item as agreement needs it. */
export interface AgreementItem {
  id: number;
  variant: string;
  score: number | null;
}

export function runAgreement(
  runId: string,
  items: AgreementItem[],
  ratings: Map<number, ItemRatings>,
  arena: { votes: number; variants: Standing[] },
): RunAgreement {
  const units: number[][] = [];
  const pooled: Array<[number, number]> = [];
  const perRater = new Map<string, Array<[number, number]>>();
  for (const item of items) {
    const inForce = [...(ratings.get(item.id)?.byRater.values() ?? [])];
    if (inForce.length >= 2) units.push(inForce.map((r) => r.stars));
    if (item.score === null) continue;
    for (const r of inForce) {
      pooled.push([item.score, r.stars]);
      perRater.set(r.rater, [...(perRater.get(r.rater) ?? []), [item.score, r.stars]]);
    }
  }
  const alpha = units.length >= MIN_RATINGS ? krippendorffAlpha(units, 'ordinal').alpha : null;
  const raters = [...perRater.entries()]
    .map(([rater, pairs]) => ({ rater, n: pairs.length, spearman_vs_machine: rho(pairs) }))
    .sort((a, b) => b.n - a.n || a.rater.localeCompare(b.rater));
  const raterNames = new Set<string>();
  for (const r of ratings.values()) for (const name of r.byRater.keys()) raterNames.add(name);
  return {
    run_id: runId,
    min_ratings: MIN_RATINGS,
    krippendorff_alpha_ordinal: alpha,
    n_items_multi_rated: units.length,
    n_raters: raterNames.size,
    spearman_pooled: rho(pooled),
    spearman_ci: pooled.length >= MIN_RATINGS ? rhoInterval(pooled) : null,
    n_ratings: pooled.length,
    raters,
    arena: arenaAgreement(items, arena),
  };
}

function rho(pairs: Array<[number, number]>): number | null {
  if (pairs.length < MIN_RATINGS) return null;
  return spearmanRho(
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  );
}

/** Percentile bootstrap over the pairs; resamples where ρ is undefined (a constant side) are skipped. */
function rhoInterval(pairs: Array<[number, number]>): [number, number] | null {
  const random = seededRandom(13);
  const draws: number[] = [];
  for (let r = 0; r < RESAMPLES; r++) {
    const sample = pairs.map(() => pairs[Math.floor(random() * pairs.length)]);
    const value = spearmanRho(
      sample.map((p) => p[0]),
      sample.map((p) => p[1]),
    );
    if (value !== null) draws.push(value);
  }
  if (draws.length < RESAMPLES / 2) return null;
  draws.sort((a, b) => a - b);
  return [quantileSorted(draws, 0.025), quantileSorted(draws, 0.975)];
}

/** Spearman's rho (Pearson over mid-ranks, so ties share their rank); null when a side never varies. */
function spearmanRho(a: number[], b: number[]): number | null {
  if (a.length < 2) return null;
  const value = sampleRankCorrelation(a, b);
  return Number.isFinite(value) ? value : null;
}

/** Over the variants with at least one vote and one machine score. */
function arenaAgreement(
  items: AgreementItem[],
  arena: { votes: number; variants: Standing[] },
): RunAgreement['arena'] {
  const pairs: Array<[number, number]> = [];
  for (const s of arena.variants) {
    if (s.wins + s.losses + s.ties === 0) continue;
    const scores = items
      .filter((i) => i.variant === s.variant && i.score !== null)
      .map((i) => i.score as number);
    if (scores.length === 0) continue;
    pairs.push([scores.reduce((a, b) => a + b, 0) / scores.length, s.rating]);
  }
  return { votes: arena.votes, n_variants: pairs.length, spearman_vs_machine: rho(pairs) };
}
