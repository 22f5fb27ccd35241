import { WEIGHTS, type ScorePart } from './score.calibration';

/**
 * Weighted geometric mean of the parts, times 100. A part at 0 makes the score 0, and a weak part
 * lowers the score by a factor the others cannot buy back (a sum would let a perfect background make up
 * for a face that never changed). Parts are clamped to 0–1 first; the result is rounded to 0.01 so that
 * it is stable across platforms' last-bit float differences. `identityGate` (see `IdentityScore.gate`)
 * multiplies the result: a face that is another person is a failed swap whatever its quality.
 */
export function combineParts(parts: Record<ScorePart, number>, identityGate = 1): number {
  let logSum = 0;
  for (const [name, weight] of Object.entries(WEIGHTS) as Array<[ScorePart, number]>) {
    const value = Math.max(0, Math.min(1, parts[name]));
    if (value === 0) return 0;
    logSum += weight * Math.log(value);
  }
  return Math.round(100 * identityGate * Math.exp(logSum) * 100) / 100;
}
