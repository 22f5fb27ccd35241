import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * How hard a stored secret is to guess back from its hash. A password is chosen by a person, so its hash
 * costs 32 MiB and tens of milliseconds to check; an invite code, a session or a token is 256 random bits,
 * which no work factor strengthens, so its hash is kept cheap enough to check on every request (a run's
 * grid fetches a few hundred images). Both are scrypt, so every stored secret goes through one function.
 */
export const SCRYPT_COST = {
  password: { N: 2 ** 15, r: 8, p: 1 },
  random: { N: 2 ** 10, r: 8, p: 1 },
} as const;

/** What `SCRYPT_COST` names: a password a person chose, or a secret drawn at random. */
export type SecretKind = keyof typeof SCRYPT_COST;

const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node refuses more than 32 MiB unless told.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) =>
    scrypt(secret.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/**
 * The stored form of a secret: `scrypt$N$r$p$<salt>$<hash>` (base64url), with its own random salt and
 * the cost it was made with, so the cost can change later without breaking stored hashes.
 */
export async function hashSecret(secret: string, kind: SecretKind): Promise<string> {
  const cost = SCRYPT_COST[kind];
  const salt = randomBytes(16);
  const key = await derive(secret, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * Whether `secret` is the one `stored` was made from, compared in constant time. A stored value that is
 * not a hash this function knows (or asks for an absurd cost) never matches.
 */
export async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every(Number.isInteger) || N > 2 ** 17 || r > 16 || p > 4) return false;
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const key = await derive(secret, salt, { N, r, p });
  return timingSafeEqual(key, expected);
}

/**
 * A secret handed out once: `<id>.<secret>`. The id (16 random bytes, hex) finds the row; only the
 * secret's hash is stored, so the database alone cannot sign anyone in.
 */
export interface IssuedSecret {
  id: string;
  secret: string;
  /** What the holder presents: `<id>.<secret>`. */
  text: string;
}

export function issueSecret(): IssuedSecret {
  const id = randomBytes(16).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, text: `${id}.${secret}` };
}

/** The id and secret of a presented `<id>.<secret>`, or null when it does not have that shape. */
export function splitSecret(text: string): { id: string; secret: string } | null {
  const match = /^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/.exec(text);
  return match ? { id: match[1], secret: match[2] } : null;
}
