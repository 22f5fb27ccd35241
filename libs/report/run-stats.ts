import { seededRandom } from '../core/seeded-random';
import { variantOutcome } from '../results/variant-scores';
import type { RunItemView } from '../runs/run-views';
import type { AgreementModel, LeaderboardRow, ToolCardModel } from './view-model';

/** Below this many items with both a score and stars, agreement is "not enough ratings". */
export const MIN_AGREEMENT_PAIRS = 5;

/** Resamples for the bootstrap interval: enough for stable 2.5/97.5 percentiles, cheap for 50 items. */
const BOOTSTRAP_RESAMPLES = 2000;

/**
 * Per variant (the cards' ids are variant labels): the headline mean machine score (a failed or refused
 * sample counts as 0) with a 95% bootstrap interval over cases and samples, the mean over scored samples,
 * stars, success and refusal rates, latency, cost.
 */
export function leaderboard(tools: ToolCardModel[], items: RunItemView[]): LeaderboardRow[] {
  return tools.map((tool) => {
    const own = items.filter((i) => i.variant === tool.id);
    const outcome = variantOutcome(own);
    // The interval is of the headline mean: a failed item is a 0 of its case.
    const ended = own.filter((i) => (i.status === 'scored' && i.score !== null) || i.status === 'failed');
    const stars = own.filter((i) => i.stars !== null).map((i) => i.stars as number);
    const latencies = own
      .filter((i) => i.latency_ms !== null && !i.cached)
      .map((i) => i.latency_ms as number);
    const withImage = own.filter((i) => i.image_path !== null || i.image_url !== null);
    const costs = own.filter((i) => i.cost_usd !== null).map((i) => i.cost_usd as number);
    return {
      toolId: tool.id,
      name: tool.name,
      control: tool.control,
      items: own.length,
      scored: outcome.scored,
      failed: outcome.failed,
      refused: outcome.refused,
      meanScore: outcome.mean_score,
      meanScored: outcome.mean_scored,
      scoreInterval: twoLevelInterval(scoresByCase(ended), seedOf(tool.id)),
      meanStars: mean(stars),
      ratedCount: stars.length,
      // Over the items that ended: a running or canceled item is neither a success nor a failure yet.
      successRate: outcome.success_rate,
      refusalRate: outcome.refusal_rate,
      meanLatencyMs: mean(latencies),
      costPerImage: costs.length === 0 || withImage.length === 0 ? null : sum(costs) / withImage.length,
    };
  });
}

/** Spearman's rho between machine score and stars over items that have both. */
export function agreement(items: RunItemView[], minimumPairs = MIN_AGREEMENT_PAIRS): AgreementModel {
  const pairs = items.filter((i) => i.score !== null && i.stars !== null && i.status === 'scored');
  const spearman =
    pairs.length < minimumPairs
      ? null
      : spearmanRho(
          pairs.map((p) => p.score as number),
          pairs.map((p) => p.stars as number),
        );
  return { pairs: pairs.length, spearman, minimumPairs };
}

export function mean(values: number[]): number | null {
  return values.length === 0 ? null : sum(values) / values.length;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * Percentile bootstrap 95% interval of the mean. The generator is seeded, so a report rendered twice
 * shows the same interval. Null with fewer than two values: one value has no spread to resample.
 */
export function bootstrapInterval(
  values: number[],
  seed: number,
  resamples = BOOTSTRAP_RESAMPLES,
): [number, number] | null {
  if (values.length < 2) return null;
  const random = seededRandom(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let total = 0;
    for (let k = 0; k < values.length; k++) total += values[Math.floor(random() * values.length)];
    means[r] = total / values.length;
  }
  means.sort();
  return [means[Math.floor(0.025 * (resamples - 1))], means[Math.ceil(0.975 * (resamples - 1))]];
}

/** The scores of each case's samples, a failed sample counting as 0. */
function scoresByCase(items: RunItemView[]): number[][] {
  const byCase = new Map<string, number[]>();
  for (const item of items) byCase.set(item.case_id, [...(byCase.get(item.case_id) ?? []), item.score ?? 0]);
  return [...byCase.values()];
}

/**
 * Two-level percentile bootstrap 95% interval of the mean: each resample draws cases with replacement,
 * then samples with replacement within each drawn case, so the interval widens both when cases disagree
 * and when a tool's draws for one case do. With one sample per case it is the ordinary case bootstrap
 * (the same draws as `bootstrapInterval`). Seeded; null with fewer than two scores.
 */
export function twoLevelInterval(
  groups: number[][],
  seed: number,
  resamples = BOOTSTRAP_RESAMPLES,
): [number, number] | null {
  const cases = groups.filter((g) => g.length > 0);
  if (cases.every((g) => g.length === 1))
    return bootstrapInterval(
      cases.map((g) => g[0]),
      seed,
      resamples,
    );
  if (cases.reduce((n, g) => n + g.length, 0) < 2) return null;
  const random = seededRandom(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let total = 0;
    let count = 0;
    for (let k = 0; k < cases.length; k++) {
      const group = cases[Math.floor(random() * cases.length)];
      for (let j = 0; j < group.length; j++) total += group[Math.floor(random() * group.length)];
      count += group.length;
    }
    means[r] = total / count;
  }
  means.sort();
  return [means[Math.floor(0.025 * (resamples - 1))], means[Math.ceil(0.975 * (resamples - 1))]];
}

/** Spearman's rho with average ranks for ties; null when either side is constant (rho undefined). */
export function spearmanRho(a: number[], b: number[]): number | null {
  if (a.length !== b.length || a.length < 2) return null;
  return pearson(ranks(a), ranks(b));
}

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((x, y) => x.v - y.v);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].v === order[start].v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[order[k].i] = rank;
    start = end + 1;
  }
  return out;
}

function pearson(x: number[], y: number[]): number | null {
  const mx = sum(x) / x.length;
  const my = sum(y) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < x.length; k++) {
    sxy += (x[k] - mx) * (y[k] - my);
    sxx += (x[k] - mx) ** 2;
    syy += (y[k] - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** A stable 32-bit seed from a string (FNV-1a), so each tool gets its own fixed bootstrap stream. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h >>> 0;
}
