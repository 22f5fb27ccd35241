import { seededRandom } from '../../libs/core/seeded-random';
import type { FakeScenario } from './fake-openai.scenarios';

/** Faults a provider can throw at a client, with how often each is drawn (weights, any scale). */
export const PROVIDER_FAULTS: ReadonlyArray<readonly [FakeScenario, number]> = [
  ['ok', 50],
  ['rate_limit_429', 6],
  ['rate_limit_429_retry_after', 6],
  ['rate_limit_429_retry_after_ms', 6],
  ['server_500', 6],
  ['server_503', 6],
  ['hang', 5],
  ['drop_connection', 6],
  ['not_image_200', 3],
  ['truncated_png_200', 3],
  ['html_200', 3],
];

/** Faults the runner retries (the rest, besides `ok`, end the item at once). */
export const RETRYABLE_FAULTS: ReadonlySet<FakeScenario> = new Set([
  'rate_limit_429',
  'rate_limit_429_retry_after',
  'rate_limit_429_retry_after_ms',
  'server_500',
  'server_503',
  'hang',
  'drop_connection',
]);

/**
 * Draws one scenario per request from `faults`. The draw depends only on the seed, the request's key
 * (what it is about, e.g. its input image) and how many requests with that key came before, so the same
 * item meets the same faults in every run, whatever order concurrent requests arrive in.
 */
export function randomFaults(
  seed: number,
  faults: ReadonlyArray<readonly [FakeScenario, number]> = PROVIDER_FAULTS,
): (key: string) => FakeScenario {
  const total = faults.reduce((sum, [, w]) => sum + w, 0);
  const seen = new Map<string, number>();
  return (key) => {
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    let pick = seededRandom(seed ^ hashKey(`${key}#${n}`))() * total;
    for (const [scenario, weight] of faults) {
      pick -= weight;
      if (pick < 0) return scenario;
    }
    return 'ok';
  };
}

/**
 * What the runner must make of an item whose provider answered `served` in order, given `maxAttempts`:
 * `scored` once an `ok` comes within the attempts, `failed` on a final fault or when attempts run out.
 */
export function expectedOutcome(served: FakeScenario[], maxAttempts: number): 'scored' | 'failed' {
  for (const [i, scenario] of served.entries()) {
    if (scenario === 'ok') return 'scored';
    if (!RETRYABLE_FAULTS.has(scenario) || i + 1 >= maxAttempts) return 'failed';
  }
  return 'failed';
}

/** FNV-1a of a string, as a 32-bit seed. */
function hashKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
