import { z } from 'zod';
import { SLUG_PATTERN } from '../core/slug';

const relativeFile = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'),
    'must be a path inside the case folder',
  );

/** The `case.json` format (docs/api.md §1.2). Unknown keys are refused so that typos are caught. */
export const caseManifestSchema = z
  .object({
    id: z.string().regex(SLUG_PATTERN, 'must be a slug: a-z, 0-9, _ or -, at most 64 characters'),
    title: z.string().min(1).max(200),
    template: relativeFile,
    slots: z
      .array(
        z
          .object({
            id: z.string().regex(SLUG_PATTERN, 'must be a slug'),
            box: z.tuple([
              z.number().int().min(0),
              z.number().int().min(0),
              z.number().int().positive(),
              z.number().int().positive(),
            ]),
            avatar: relativeFile,
          })
          .strict(),
      )
      .min(1, 'needs at least one slot')
      .max(16, 'at most 16 slots'),
    prompt: z.string().max(32000).optional(),
    tags: z.array(z.string().min(1).max(64)).max(32).optional(),
    source: z.string().max(2000).optional(),
    license: z.string().max(500).optional(),
  })
  .strict();

/** Turns zod's issues into one line per problem that names the field, e.g. `slots[1].box: ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.reduce<string>(
        (acc, key) =>
          typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key),
        '',
      );
      return `${field || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
