import { z } from 'zod';
import { UserError } from '../core/user-error';

export const ROLES = ['admin', 'rater'] as const;

/** An admin runs benchmarks and edits cases and accounts; a rater rates and votes, as themself. */
export type Role = (typeof ROLES)[number];

/**
 * An account's name, which is also its rater name: 1–40 lower-case letters, digits, `.`, `_` or `-`,
 * starting with a letter or digit. Lower case only, so `Alice` and `alice` cannot be two raters.
 * `anonymous` is the rater of ratings given without a name and cannot be an account.
 */
export const accountNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,39}$/,
    'must be 1–40 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
  )
  .refine((name) => name !== 'anonymous', 'must not be "anonymous" (the rater of unnamed ratings)');

export const roleSchema = z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` });

/** A password: 10–200 characters. Long enough to resist guessing at scrypt's cost, short enough to hash. */
export const passwordSchema = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(200, 'must be at most 200 characters');

/**
 * The link a new account signs in with: the login page with the code after `#`, which a browser never
 * sends to a server (so no proxy or access log keeps it).
 */
export function inviteUrl(base: string, invite: string): string {
  return `${base.replace(/\/+$/, '')}/login#invite=${encodeURIComponent(invite)}`;
}

/** Parses one field with its schema; a bad value is a UserError naming the field (`name: must be …`). */
export function parseField<T>(schema: z.ZodType<T>, field: string, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UserError(`${field}: ${parsed.error.issues[0].message}`);
  return parsed.data;
}
