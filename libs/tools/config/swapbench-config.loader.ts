import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { config as loadDotEnv } from 'dotenv';
import type { z } from 'zod';
import type { SwapbenchSettings } from '../../core/config/swapbench-settings';
import { UserError } from '../../core/user-error';
import { SwapbenchConfigSchema, type SwapbenchConfig } from './swapbench-config.schema';

/** A loaded config file and where it was found; relative paths inside it are relative to `dir`. */
export interface LoadedConfig {
  config: SwapbenchConfig;
  /** Absolute path of the file, or null when there is none (an empty config). */
  path: string | null;
  dir: string;
}

/**
 * Reads and validates the config file the settings locate: `SWAPBENCH_CONFIG` when set (it must exist),
 * else `swapbench.config.json` in the working directory (optional). Every problem is a UserError naming
 * the file and the field (`command[0].timeout_ms`), so a broken file says exactly where to look.
 */
export function loadSwapbenchConfig(settings: Pick<SwapbenchSettings, 'configFile' | 'cwd'>): LoadedConfig {
  const { path, required } = settings.configFile;
  if (!existsSync(path)) {
    if (required) throw new UserError(`Config file ${path} (from SWAPBENCH_CONFIG) does not exist`);
    return { config: SwapbenchConfigSchema.parse({}), path: null, dir: settings.cwd };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return { config: parseSwapbenchConfig(raw, path), path, dir: dirname(path) };
}

/** Validates an already-parsed config; `source` names the file in messages. */
export function parseSwapbenchConfig(raw: unknown, source: string): SwapbenchConfig {
  const parsed = SwapbenchConfigSchema.safeParse(raw);
  if (parsed.success) {
    assertUniqueIds(parsed.data, source);
    return parsed.data;
  }
  const problems = parsed.error.issues.map(describeIssue);
  throw new UserError(`Config file ${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/** Reads `.env` from the working directory into `process.env`, never replacing a variable already set. */
export function loadDotEnvFile(cwd = process.cwd()): void {
  const path = resolve(cwd, '.env');
  if (existsSync(path)) loadDotEnv({ path, quiet: true });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.reduce<string>(
    (acc, part) =>
      typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
    '',
  );
  return `${field || '(top level)'}: ${issue.message}`;
}

function assertUniqueIds(config: SwapbenchConfig, source: string): void {
  const seen = new Map<string, string>();
  const entries = [
    ...config.openai_compatible.map((t, i) => [t.id, `openai_compatible[${i}].id`] as const),
    ...config.command.map((t, i) => [t.id, `command[${i}].id`] as const),
    ...config.replicate.map((t, i) => [t.id, `replicate[${i}].id`] as const),
    ...config.fal.map((t, i) => [t.id, `fal[${i}].id`] as const),
  ];
  for (const [id, field] of entries) {
    const first = seen.get(id);
    if (first)
      throw new UserError(
        `Config file ${source} is invalid:\n  - ${field}: the id "${id}" is already used by ${first}`,
      );
    seen.set(id, field);
  }
}
