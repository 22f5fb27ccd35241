import { cosine } from '../core/cosine';
import type { AnalyzedFace } from '../faces/face.types';
import { CALIBRATION } from './score.calibration';

/** Linear ramp from 0 at `lo` to 1 at `hi`, clamped. */
export function ramp(value: number, lo: number, hi: number): number {
  return Math.max(0, Math.min(1, (value - lo) / (hi - lo)));
}

/**
 * Ramp from `lo` to `hi` whose foot is rounded over `softness` (a softplus): it reaches 1 at `hi` like
 * `ramp`, but below `lo` it tends to 0 instead of stopping there. A linear foot is a cliff for the
 * geometric mean: near `lo` a few hundredths of cosine change the part's logarithm without bound.
 */
export function softRamp(value: number, lo: number, hi: number, softness: number): number {
  const x = (value - lo) / softness;
  // log1p(exp(x)) overflows for large x, where it equals x.
  const softplus = x > 30 ? x : Math.log1p(Math.exp(x));
  return Math.min(1, (softness * softplus) / (hi - lo));
}

/** Who the output face at a slot is: the slot's avatar's person, another person, or still the template's. */
export type IdentityVerdict = 'same' | 'other' | 'template';

/** The identity parts of one slot, each 0–1, its verdict and gate, and the raw cosines they came from. */
export interface IdentityScore {
  /** Moved from the template person towards the avatar, relative to how far apart the two are. */
  transfer: number;
  /** Close to the avatar in absolute terms: looks like the same person. */
  match: number;
  /** The output face is nearer its own avatar than the case's other avatars. */
  assignment: number;
  verdict: IdentityVerdict;
  /**
   * What the verdict does to the whole score, `gateFloor`–1: 1 for the avatar's person, the floor for
   * another person or the template's, and a smooth step between them across the decision threshold.
   */
  gate: number;
  cosAvatar: number;
  cosTemplate: number;
}

/**
 * Identity of output face `o` against its target avatar `a` and the template face `t` it replaces.
 * `otherAvatars` are the avatars of the case's other slots (the wrong answers for assignment).
 */
export function identityScore(
  o: AnalyzedFace,
  a: AnalyzedFace,
  t: AnalyzedFace,
  otherAvatars: AnalyzedFace[],
): IdentityScore {
  const c = CALIBRATION.identity;
  const cosAvatar = cosine(o.embedding, a.embedding);
  const cosTemplate = cosine(o.embedding, t.embedding);
  const cosPair = cosine(a.embedding, t.embedding);
  const match = softRamp(cosAvatar, c.matchLo, c.matchHi, c.matchSoftness);
  // Position of o between t (-1) and a (+1), measured along how far apart a and t are: a no-op sits
  // at -1 and a perfect transfer at +1 whatever the two people look like.
  const relative = (cosAvatar - cosTemplate) / Math.max(1 - cosPair, 1e-3);
  const relativeTransfer = ramp(relative, -1, 1);
  // When the avatar and the template show the same person there is no direction to move in; the
  // relative measure is then noise, so it gives way to the absolute match.
  const distinct = 1 - ramp(cosPair, c.samePersonLo, c.samePersonHi);
  const transfer = distinct * relativeTransfer + (1 - distinct) * match;
  // Position of o between the nearest wrong avatar (-1) and its own (+1), like `relative` above.
  // Template faces are no rivals: how far o moved from its own is `transfer`'s question (counted twice,
  // a swap that kept some of the template's looks counted as given to the wrong person), and another
  // slot's template person is no answer a tool is given (on the two-person demo case it is the other
  // slot's avatar itself, mirrored).
  const lead = Math.min(
    ...otherAvatars.map(
      (k) =>
        (cosAvatar - cosine(o.embedding, k.embedding)) / Math.max(1 - cosine(a.embedding, k.embedding), 1e-3),
    ),
  );
  const assignment = otherAvatars.length === 0 ? 1 : ramp(lead, -c.assignmentMargin, c.assignmentMargin);
  const verdict = identityVerdict(cosAvatar, cosTemplate, distinct);
  const step = smoothStep(cosAvatar, c.sameAt - c.gateWidth, c.sameAt + c.gateWidth);
  const gate = verdict === 'template' ? c.gateFloor : c.gateFloor + (1 - c.gateFloor) * step;
  return { transfer, match, assignment, verdict, gate, cosAvatar, cosTemplate };
}

/**
 * The slot's verdict from the identity model's cosines (thresholds in `CALIBRATION.identity`, set on the
 * model's own same/different distributions, docs/score.md). Still the template's person when the face is
 * at least as near the template face as the avatar and near enough to count as that person, unless the
 * two are one person (`distinct` ≈ 0).
 */
function identityVerdict(cosAvatar: number, cosTemplate: number, distinct: number): IdentityVerdict {
  const { sameAt } = CALIBRATION.identity;
  if (distinct > 0.5 && cosTemplate >= sameAt && cosTemplate >= cosAvatar) return 'template';
  return cosAvatar >= sameAt ? 'same' : 'other';
}

/** 0 below `lo`, 1 above `hi`, and a smooth cubic between (no kink for the geometric mean to amplify). */
function smoothStep(value: number, lo: number, hi: number): number {
  const x = ramp(value, lo, hi);
  return x * x * (3 - 2 * x);
}
