import { z } from 'zod';
import { MAX_SAMPLES } from '../runs/run-request';

const optionValue = z.union([z.string(), z.number(), z.boolean()]);
const label = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,63}$/,
    'must be a slug: a-z, 0-9, _, . or -, starting with a letter or digit',
  );

/** A tool with its defaults (its id), or a variant: the tool under its own label with its own options. */
const suiteTool = z.union([
  z.string().min(1).max(64),
  z.strictObject({
    id: z.string().min(1).max(64),
    label: label.optional(),
    options: z.record(z.string(), optionValue).optional(),
  }),
]);

/**
 * A suite file (docs/suites.md): a benchmark kept under version control. Every field but `cases` and `tools`
 * has the same default as `swapbench run`; unknown fields are an error, so a typo never goes unnoticed.
 */
export const suiteSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  description: z.string().max(2000).optional(),
  /** Case ids, `tag:<tag>`, or `all` (alone or as a list item). */
  cases: z.union([z.literal('all'), z.array(z.string().min(1).max(64)).min(1).max(1000)]),
  tools: z.array(suiteTool).min(1, 'must name at least one tool').max(100),
  samples: z.int().min(1).max(MAX_SAMPLES).optional(),
  concurrency: z.int().min(1).max(64).optional(),
  attempts: z.int().min(1).max(10).optional(),
  timeout_s: z.number().min(1).max(3600).optional(),
  cache: z.boolean().optional(),
  skip_unscorable: z.boolean().optional(),
  /** Exit 1 when a variant's mean score is below this: one number for all, or per label. */
  fail_under: z
    .union([z.number().min(0).max(100), z.record(z.string(), z.number().min(0).max(100))])
    .optional(),
});

export type Suite = z.infer<typeof suiteSchema>;
