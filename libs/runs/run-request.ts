import { z } from 'zod';

/** Largest run the server accepts in one request (cases × tools). */
export const MAX_RUN_ITEMS = 5000;

const idList = z.union([z.literal('all'), z.array(z.string().min(1).max(64)).min(1).max(1000)]);

/** What a caller may ask of a new run; everything but the selection has a default. */
export const runRequestSchema = z
  .object({
    case_ids: idList,
    tool_ids: idList,
    options: z
      .object({
        concurrency: z.number().int().min(1).max(64).optional(),
        cache: z.boolean().optional(),
        max_attempts: z.number().int().min(1).max(10).optional(),
        timeout_ms: z.number().int().min(100).max(3_600_000).optional(),
        retry_base_ms: z.number().int().min(0).max(60_000).optional(),
        /** Run the cases the scorer can score and list the others as skipped, instead of refusing the run. */
        skip_unscorable: z.boolean().optional(),
        tool_options: z
          .record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])))
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type RunRequest = z.infer<typeof runRequestSchema>;
