import { z } from 'zod';

/** The rater of ratings given without a name, and of every rating from before raters existed. */
export const ANONYMOUS = 'anonymous';

/** A rater's name: 1–40 characters, none of them a control character (no newlines, no escapes). */
export const raterSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(40, 'must be at most 40 characters')
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  .refine((name) => !/[\u0000-\u001f\u007f-\u009f]/.test(name), 'must not contain control characters');
