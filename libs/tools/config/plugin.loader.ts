import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../../core/user-error';
import type { SwapTool } from '../tool';
import { recordToolOrigin } from '../tool-fingerprint';
import type { PluginConfig } from './swapbench-config.schema';

/** What a plugin factory receives. */
export interface PluginContext {
  /** The `options` object given with the plugin in the config file, or `{}`. */
  options: Record<string, unknown>;
  /** Folder of the config file (or the working directory): where the plugin should resolve relative paths. */
  configDir: string;
}

/**
 * What a plugin module exports (as `default` or `module.exports`): a tool, a list of tools, or a
 * factory returning either (possibly async).
 */
export type PluginExport =
  | SwapTool
  | SwapTool[]
  | ((context: PluginContext) => SwapTool | SwapTool[] | Promise<SwapTool | SwapTool[]>);

/**
 * Loads the tools of one plugin entry. The specifier is resolved like `require` would from the config
 * file's folder, so both `./my-tool.js` and an installed npm package work, then loaded with `import()`
 * so that CommonJS and ES modules both do. Any problem is a UserError naming the plugin.
 */
export async function loadPluginTools(
  entry: PluginConfig,
  configDir: string,
  field: string,
): Promise<SwapTool[]> {
  const specifier = typeof entry === 'string' ? entry : entry.module;
  const options = typeof entry === 'string' ? {} : (entry.options ?? {});
  const where = `Plugin "${specifier}" (${field})`;
  let resolved: string;
  try {
    resolved = createRequire(join(configDir, 'swapbench.config.json')).resolve(specifier);
  } catch {
    throw new UserError(`${where} cannot be found from ${configDir}: install the package or fix the path`);
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UserError(`${where} failed to load: ${(error as Error).message}`);
  }
  // A CommonJS module arrives as `default`; an ES module with a default export also does.
  const exported = (namespace.default ?? namespace.tool ?? namespace.tools) as PluginExport | undefined;
  let value: unknown = exported;
  if (typeof exported === 'function') {
    try {
      value = await exported({ options, configDir });
    } catch (error) {
      throw new UserError(`${where}: its factory threw: ${(error as Error).message}`);
    }
  }
  const tools = Array.isArray(value) ? (value as unknown[]) : [value];
  if (tools.length === 0) throw new UserError(`${where} exports no tools`);
  return tools.map((value, i) => {
    const tool = assertSwapTool(value, tools.length > 1 ? `${where}, tool ${i}` : where);
    recordToolOrigin(tool, { kind: 'plugin', specifier, resolved });
    return tool;
  });
}

/** Checks at run time what TypeScript cannot: that a plugin's export really has the SwapTool shape. */
export function assertSwapTool(value: unknown, where: string): SwapTool {
  if (typeof value !== 'object' || value === null) {
    throw new UserError(
      `${where} must export a tool object or a factory that returns one (got ${value === null ? 'null' : typeof value})`,
    );
  }
  const tool = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of ['id', 'name', 'description'] as const)
    if (typeof tool[key] !== 'string') problems.push(`${key} must be a string`);
  if (!['api', 'local', 'control'].includes(tool.kind as string))
    problems.push('kind must be "api", "local" or "control"');
  for (const key of ['concurrency', 'timeoutMs'] as const) {
    const value = tool[key];
    if (typeof value !== 'number' || !(value > 0)) problems.push(`${key} must be a positive number`);
  }
  if (typeof tool.options !== 'object' || tool.options === null)
    problems.push('options must be an object (use {} for none)');
  for (const key of ['availability', 'generate'] as const)
    if (typeof tool[key] !== 'function') problems.push(`${key} must be a function`);
  if (problems.length > 0) throw new UserError(`${where} is not a valid tool: ${problems.join('; ')}`);
  return value as SwapTool;
}
