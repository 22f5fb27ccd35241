import { UserError } from '../core/user-error';
import type { SwapTool, ToolOptionValues } from './tool';

/**
 * Fills in a tool's option defaults and checks the given values against its option specs.
 * Unknown options and wrong types are a UserError that names the tool and the option.
 */
export function resolveToolOptions(tool: SwapTool, given: Record<string, unknown> = {}): ToolOptionValues {
  const resolved: ToolOptionValues = {};
  for (const key of Object.keys(given)) {
    if (!(key in tool.options)) {
      const known = Object.keys(tool.options).join(', ') || 'none';
      throw new UserError(`Tool "${tool.id}" has no option "${key}" (its options: ${known})`);
    }
  }
  for (const [key, spec] of Object.entries(tool.options)) {
    const value = given[key] ?? spec.default;
    const where = `Option "${key}" of tool "${tool.id}"`;
    switch (spec.type) {
      case 'string':
        if (typeof value !== 'string') throw new UserError(`${where} must be a string`);
        if (spec.choices && !spec.choices.includes(value)) {
          throw new UserError(`${where} must be one of ${spec.choices.join(', ')}; got "${value}"`);
        }
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value))
          throw new UserError(`${where} must be a number`);
        if (spec.integer && !Number.isInteger(value)) throw new UserError(`${where} must be a whole number`);
        if (spec.min !== undefined && value < spec.min)
          throw new UserError(`${where} must be at least ${spec.min}`);
        if (spec.max !== undefined && value > spec.max)
          throw new UserError(`${where} must be at most ${spec.max}`);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') throw new UserError(`${where} must be true or false`);
        break;
    }
    resolved[key] = value;
  }
  return resolved;
}
