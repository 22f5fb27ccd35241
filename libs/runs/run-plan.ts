import { UserError } from '../core/user-error';
import type { SwapTool, ToolOptionValues } from '../tools/tool';
import { resolveToolOptions } from '../tools/tool-options';
import type { ToolRegistry } from '../tools/tools.registry';
import type { RunRequest } from './run-request';

/** One column of a run: a tool under a label, with its options resolved (defaults filled in, checked). */
export interface PlannedVariant {
  label: string;
  tool: SwapTool;
  options: ToolOptionValues;
}

/**
 * The variants a run request asks for, in order: first `tool_ids` (each under its own id, with
 * `options.tool_options[<tool>]`), then `variants` (each over its tool's `tool_options`, under its label,
 * the tool id by default). Labels must be unique in a run; options are checked against the tool's specs.
 */
export async function planVariants(request: RunRequest, registry: ToolRegistry): Promise<PlannedVariant[]> {
  const toolOptions = request.options?.tool_options ?? {};
  const planned: Array<{ label: string; tool: SwapTool; given: Record<string, unknown>; field: string }> = [];
  if (request.tool_ids !== undefined) {
    for (const tool of await registry.select(request.tool_ids)) {
      planned.push({ label: tool.id, tool, given: toolOptions[tool.id] ?? {}, field: `tool_ids` });
    }
  }
  for (const [i, variant] of (request.variants ?? []).entries()) {
    const [tool] = await registry.select([variant.tool_id]);
    planned.push({
      label: variant.label ?? tool.id,
      tool,
      given: { ...toolOptions[tool.id], ...variant.options },
      field: `variants[${i}]`,
    });
  }
  const seen = new Set<string>();
  for (const p of planned) {
    if (seen.has(p.label)) {
      throw new UserError(
        `${p.field}: the label "${p.label}" is used twice in this run; give each variant of a tool its own label`,
      );
    }
    seen.add(p.label);
  }
  for (const id of Object.keys(toolOptions)) {
    if (!planned.some((p) => p.tool.id === id))
      throw new UserError(`options.tool_options names tool "${id}", which is not in this run`);
  }
  return planned.map((p) => {
    try {
      return { label: p.label, tool: p.tool, options: resolveToolOptions(p.tool, fromText(p.tool, p.given)) };
    } catch (error) {
      if (error instanceof UserError && p.label !== p.tool.id)
        throw new UserError(`Variant "${p.label}": ${error.message}`);
      throw error;
    }
  });
}

/**
 * The options a tool receives for sample `k`: a tool with a numeric `seed` option gets its seed moved on by
 * k (seed k with the default seed 0), so samples differ and each is reproducible; others get theirs as set.
 */
export function sampleOptions(tool: SwapTool, options: ToolOptionValues, sample: number): ToolOptionValues {
  const spec = tool.options.seed;
  if (!spec || spec.type !== 'number' || typeof options.seed !== 'number') return options;
  return { ...options, seed: options.seed + sample };
}

/**
 * Option values given as text (`--tool-option steps=20`, a form field) read as the option's type when they
 * spell one; anything else is left for the option check to refuse with its message.
 */
function fromText(tool: SwapTool, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...given };
  for (const [key, value] of Object.entries(given)) {
    const spec = tool.options[key];
    if (typeof value !== 'string' || !spec) continue;
    if (spec.type === 'number' && value.trim() !== '' && Number.isFinite(Number(value)))
      out[key] = Number(value);
    if (spec.type === 'boolean' && (value === 'true' || value === 'false')) out[key] = value === 'true';
  }
  return out;
}
