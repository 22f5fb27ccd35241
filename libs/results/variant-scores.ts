import type { RunDetail, RunItemView } from '../runs/run-views';

type ScoredFields = Pick<RunItemView, 'status' | 'score' | 'error_code'>;

/**
 * The mean machine score of some items (a variant's, or the samples of one cell) over the scored ones;
 * null when none is scored. Never rounded: only what is shown is rounded.
 */
export function meanScore(items: ScoredFields[]): number | null {
  const scores = items.filter(isScored).map((i) => i.score as number);
  return scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length;
}

/**
 * The headline mean (docs/api.md §4.1): over the items that ended scored or failed, a failed or refused
 * item counting as 0, so a tool that refuses half the cases is not ranked on the half it did. Queued,
 * running and canceled items are left out (the user stopped them, not the tool). Null when none ended.
 * Never rounded: the CLI's `--fail-under` gate compares this value (a mean of 49.95 is below 50).
 */
export function headlineMean(items: ScoredFields[]): number | null {
  const ended = items.filter((i) => isScored(i) || i.status === 'failed');
  if (ended.length === 0) return null;
  return ended.reduce((total, i) => total + (isScored(i) ? (i.score as number) : 0), 0) / ended.length;
}

/** How some items of a variant ended: counts, rates and both means. */
export interface VariantOutcome {
  scored: number;
  failed: number;
  /** Failed items the service refused (`error_code` `refused`). */
  refused: number;
  /** `headlineMean`: failed and refused items count as 0. */
  mean_score: number | null;
  /** `meanScore`: over the scored items only. */
  mean_scored: number | null;
  /** Scored over scored + failed, 0–1; null before any ended. */
  success_rate: number | null;
  /** Refused over scored + failed, 0–1; null before any ended. */
  refusal_rate: number | null;
}

export function variantOutcome(items: ScoredFields[]): VariantOutcome {
  const scored = items.filter(isScored).length;
  const failed = items.filter((i) => i.status === 'failed').length;
  const refused = items.filter((i) => i.status === 'failed' && i.error_code === 'refused').length;
  const ended = scored + failed;
  return {
    scored,
    failed,
    refused,
    mean_score: headlineMean(items),
    mean_scored: meanScore(items),
    success_rate: ended === 0 ? null : scored / ended,
    refusal_rate: ended === 0 ? null : refused / ended,
  };
}

/** One variant of a run: its tool, how its items ended and their means. */
export interface VariantSummary extends VariantOutcome {
  tool_id: string;
  /** The variant's label (the tool id unless the run labelled it). */
  variant: string;
  items: number;
}

/** The run's variants in its own order, each summarised over its items. */
export function variantSummaries(detail: Pick<RunDetail, 'variants' | 'items'>): VariantSummary[] {
  return detail.variants.map((variant) => {
    const items = detail.items.filter((i) => i.variant === variant.label);
    return {
      tool_id: variant.tool_id,
      variant: variant.label,
      items: items.length,
      ...variantOutcome(items),
    };
  });
}

function isScored(item: ScoredFields): boolean {
  return item.status === 'scored' && item.score !== null;
}
