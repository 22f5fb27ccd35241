import { z } from 'zod';

/** Largest run the server accepts in one request (cases × tools). */
export const MAX_RUN_ITEMS = 5000;

const idList = z.union([z.literal('all'), z.array(z.string().min(1).max(64)).min(1).max(1000)]);

const optionValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** A tool under its own label with its own options (docs/suites.md); the label defaults to the tool id. */
export const variantSchema = z
  .object({
    tool_id: z.string().min(1).max(64),
    label: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_.-]{0,63}$/,
        'must be a slug: a-z, 0-9, _, . or -, starting with a letter or digit',
      )
      .optional(),
    options: optionValues.optional(),
  })
  .strict();

/** Most outputs per case × variant a run may draw. */
export const MAX_SAMPLES = 50;

/**
 * What a run does when its request leaves an option out: the one source of these values for the server,
 * the CLI's help and the web app's form (which gets them from its page).
 */
export const RUN_DEFAULTS = {
  concurrency: 4,
  cache: true,
  max_attempts: 3,
  /** Null: each tool's own time limit. */
  timeout_ms: null,
  retry_base_ms: 1000,
  skip_unscorable: false,
  samples: 1,
} as const;

/** What a caller may ask of a new run; everything but the selection has a default (`RUN_DEFAULTS`). */
export const runRequestSchema = z
  .object({
    case_ids: idList,
    /** Tools with their defaults; may be left out when `variants` names the tools. */
    tool_ids: idList.optional(),
    variants: z.array(variantSchema).min(1).max(100).optional(),
    options: z
      .object({
        concurrency: z.number().int().min(1).max(64).optional(),
        cache: z.boolean().optional(),
        max_attempts: z.number().int().min(1).max(10).optional(),
        timeout_ms: z.number().int().min(100).max(3_600_000).optional(),
        retry_base_ms: z.number().int().min(0).max(60_000).optional(),
        /** Run the cases the scorer can score and list the others as skipped, instead of refusing the run. */
        skip_unscorable: z.boolean().optional(),
        tool_options: z.record(z.string(), optionValues).optional(),
        /** Outputs per case × variant; sample k passes seed k to tools that take a seed. */
        samples: z.number().int().min(1).max(MAX_SAMPLES).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((request) => request.tool_ids !== undefined || request.variants !== undefined, {
    message: 'give tool_ids, variants, or both',
    path: ['tool_ids'],
  });

export type RunRequest = z.infer<typeof runRequestSchema>;
