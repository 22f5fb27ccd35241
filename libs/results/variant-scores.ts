import type { RunDetail, RunItemView } from '../runs/run-views';

/**
 * The mean machine score of some items (a variant's, or the samples of one cell) over the scored ones;
 * null when none is scored. Never rounded: the CLI's `--fail-under` gate compares this value, and only
 * what is shown is rounded (a mean of 49.95 is below 50 even though it prints as 50.0).
 */
export function meanScore(items: RunItemView[]): number | null {
  const scores = items.filter((i) => i.status === 'scored' && i.score !== null).map((i) => i.score as number);
  return scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length;
}

/** One variant of a run: its tool, how its items ended and their mean machine score. */
export interface VariantSummary {
  tool_id: string;
  /** The variant's label (the tool id unless the run labelled it). */
  variant: string;
  items: number;
  scored: number;
  failed: number;
  /** `meanScore` of the variant's items, unrounded. */
  mean_score: number | null;
}

/** The run's variants in its own order, each summarised over its items. */
export function variantSummaries(detail: RunDetail): VariantSummary[] {
  return detail.variants.map((variant) => {
    const items = detail.items.filter((i) => i.variant === variant.label);
    return {
      tool_id: variant.tool_id,
      variant: variant.label,
      items: items.length,
      scored: items.filter((i) => i.status === 'scored').length,
      failed: items.filter((i) => i.status === 'failed').length,
      mean_score: meanScore(items),
    };
  });
}
