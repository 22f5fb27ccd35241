import type { ToolPrices } from '../tools/tool-prices';
import type { PlannedVariant } from './run-plan';

/** One variant of a planned run as `run --dry-run` prints it (docs/cli.md §7.6). */
export interface VariantEstimate {
  variant: string;
  tool_id: string;
  /** Cases × samples. */
  items: number;
  /** Requests to the tool's service, retries not counted. */
  calls: number;
  /** US dollars per item; null when the tool's price is unknown. */
  price_per_item_usd: number | null;
  est_cost_usd: number | null;
}

/** What a run would cost before anything is called or stored. */
export interface RunEstimate {
  variants: VariantEstimate[];
  /** The sum over the variants with a known price. */
  total_est_cost_usd: number;
  /** Variants whose price is unknown (left out of the total): name one in config `prices`. */
  unpriced: string[];
}

/** The estimate of `items` items of each variant, priced by `prices`. */
export function estimateRun(
  variants: PlannedVariant[],
  itemsPerVariant: number,
  prices: ToolPrices,
): RunEstimate {
  const rows = variants.map((v): VariantEstimate => {
    const one = prices.estimate(v.tool, v.options);
    return {
      variant: v.label,
      tool_id: v.tool.id,
      items: itemsPerVariant,
      calls: one.calls * itemsPerVariant,
      price_per_item_usd: one.costUsd,
      est_cost_usd: one.costUsd === null ? null : roundCents(one.costUsd * itemsPerVariant),
    };
  });
  return {
    variants: rows,
    total_est_cost_usd: roundCents(rows.reduce((total, r) => total + (r.est_cost_usd ?? 0), 0)),
    unpriced: rows.filter((r) => r.est_cost_usd === null).map((r) => r.variant),
  };
}

/** To a hundredth of a cent: prices are known no better. */
function roundCents(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}
