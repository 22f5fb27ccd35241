import { z } from 'zod';
import { SLUG_PATTERN } from '../../core/slug';
import {
  FAL_PRESETS,
  InputMappingSchema,
  REPLICATE_PRESETS,
  type InputMapping,
} from '../hosted/input-mapping';

/** Placeholders a `command` tool's arguments may contain; `{avatarN}` is checked separately. */
export const COMMAND_PLACEHOLDERS = [
  'template',
  'avatars',
  'output',
  'prompt',
  'case_id',
  'slots_json',
  'workdir',
] as const;

const toolId = z
  .string()
  .regex(SLUG_PATTERN, 'must be a slug: a-z, 0-9, _ or -, starting with a letter or digit');

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An `images.edit` server that is not OpenAI: vLLM-Omni, SGLang, a LiteLLM proxy. */
export const OpenAICompatibleToolSchema = z.strictObject({
  id: toolId,
  name: z.string().min(1),
  description: z.string().optional(),
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, usually ending in /v1' }),
  model: z.string().min(1),
  /** The NAME of the variable that holds the key. Omit for servers that need none. */
  api_key_env: z
    .string()
    // The message must not quote the value: a user who pasted the key here would see it echoed.
    .regex(ENV_NAME, 'must be the NAME of an environment variable (like VLLM_API_KEY), never the key itself')
    .optional(),
  /** Servers that reject `input_fidelity` can be told to leave it out with `none`. */
  input_fidelity: z.enum(['high', 'low', 'none']).default('high'),
  concurrency: z.int().min(1).max(64).default(2),
  timeout_ms: z.int().min(1_000).max(3_600_000).default(300_000),
});

const argument = z
  .string()
  .refine((arg) => unknownPlaceholders(arg).length === 0, {
    error: (issue) =>
      `unknown placeholder ${unknownPlaceholders(String(issue.input)).join(', ')}; known: ${[...COMMAND_PLACEHOLDERS, 'avatar1', 'avatar2', '…'].map((p) => `{${p}}`).join(' ')}`,
  })
  .refine((arg) => !arg.includes('{avatars}') || arg === '{avatars}', {
    error: '{avatars} expands to one argument per avatar, so it must be an argument on its own',
  });

/** An external program run once per item, with the case's files passed as arguments. */
export const CommandToolSchema = z.strictObject({
  id: toolId,
  name: z.string().min(1),
  description: z.string().optional(),
  /** Program and arguments, passed to the OS as an array: no shell ever parses them. */
  command: z.array(argument).min(1, 'must name the program to run'),
  kind: z.enum(['local', 'api']).default('local'),
  timeout_ms: z.int().min(1_000).max(3_600_000).default(120_000),
  concurrency: z.int().min(1).max(64).default(1),
});

/** A plugin module, by specifier, with options handed to its factory. */
export const PluginSchema = z.union([
  z.string().min(1),
  z.strictObject({ module: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }),
]);

/**
 * A `replicate` or `fal` model under its own id. `input` says where the prompt and images go; it may be
 * left out for a model with a built-in preset.
 */
function gatewayToolSchema(presets: Readonly<Record<string, InputMapping>>, example: string) {
  return z
    .strictObject({
      id: toolId,
      name: z.string().min(1),
      description: z.string().optional(),
      model: z
        .string()
        .min(1)
        .regex(/^[\w.-]+\/[\w./:-]+$/, `must be a model id like ${example}`),
      input: InputMappingSchema.optional(),
      concurrency: z.int().min(1).max(64).default(2),
      timeout_ms: z.int().min(1_000).max(3_600_000).default(300_000),
    })
    .refine((entry) => entry.input !== undefined || presets[entry.model.split(':')[0]] !== undefined, {
      path: ['input'],
      error: `is required for a model without a built-in preset (presets: ${Object.keys(presets).join(', ')})`,
    })
    .transform((entry) => ({ ...entry, input: entry.input ?? presets[entry.model.split(':')[0]] }));
}

export const ReplicateToolSchema = gatewayToolSchema(REPLICATE_PRESETS, 'owner/name or owner/name:version');
export const FalToolSchema = gatewayToolSchema(FAL_PRESETS, 'fal-ai/nano-banana/edit');

/** `swapbench.config.json`: tools added to the built-in ones. Every list is optional. */
export const SwapbenchConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  openai_compatible: z.array(OpenAICompatibleToolSchema).default([]),
  command: z.array(CommandToolSchema).default([]),
  replicate: z.array(ReplicateToolSchema).default([]),
  fal: z.array(FalToolSchema).default([]),
  plugins: z.array(PluginSchema).default([]),
  /** US dollars per item by tool id, replacing the tool's own price table in estimates and budgets. */
  prices: z.record(toolId, z.number().min(0, 'must be a price in US dollars, 0 or more')).default({}),
});

export type OpenAICompatibleToolConfig = z.infer<typeof OpenAICompatibleToolSchema>;
export type CommandToolConfig = z.infer<typeof CommandToolSchema>;
/** A configured `replicate` or `fal` entry, its input mapping filled in from the presets when omitted. */
export type GatewayToolConfig = z.infer<typeof ReplicateToolSchema>;
export type PluginConfig = z.infer<typeof PluginSchema>;
export type SwapbenchConfig = z.infer<typeof SwapbenchConfigSchema>;

/** Placeholders in one argument that are neither known names nor `{avatarN}` with N ≥ 1. */
export function unknownPlaceholders(arg: string): string[] {
  const known = new Set<string>(COMMAND_PLACEHOLDERS);
  return [...arg.matchAll(/\{([A-Za-z0-9_]+)\}/g)]
    .map((m) => m[1])
    .filter((name) => !known.has(name) && !/^avatar[1-9][0-9]*$/.test(name))
    .map((name) => `{${name}}`);
}
