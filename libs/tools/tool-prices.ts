import { Injectable } from '@nestjs/common';
import { UserError } from '../core/user-error';
import type { ItemEstimate, SwapTool, ToolOptionValues } from './tool';
import { ToolRegistry } from './tools.registry';

/**
 * What one item of each tool is expected to cost before it runs (`run --dry-run`, budgets): the tool's own
 * estimate from its price table, unless the config file's `prices` names a price for the tool (US dollars
 * per item, by tool id). Local tools and controls cost nothing; an API tool without a price is unknown.
 */
@Injectable()
export class ToolPrices {
  private overrides: Readonly<Record<string, number>> = {};
  private source = 'the config file';

  constructor(private readonly registry: ToolRegistry) {}

  /** The config file's `prices`, and the file they came from (for messages). */
  setOverrides(prices: Readonly<Record<string, number>>, source: string): void {
    this.overrides = prices;
    this.source = source;
  }

  /** Refuses a price for a tool that does not exist (a typo would otherwise leave a tool unpriced). */
  check(): void {
    const known = new Set(this.registry.ids());
    const unknown = Object.keys(this.overrides).filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw new UserError(
        `${this.source}: prices.${unknown[0]}: no tool has the id "${unknown[0]}". Known tools: ${[...known].join(', ')}`,
      );
  }

  estimate(tool: SwapTool, options: ToolOptionValues): ItemEstimate {
    const own = tool.estimate?.(options) ?? { calls: 1, costUsd: tool.kind === 'api' ? null : 0 };
    const override = this.overrides[tool.id];
    return override === undefined ? own : { ...own, costUsd: override };
  }
}
