import type { AnalyzedFace, FaceAnalysis, FaceBox } from './face.types';
import { matchSlots } from './slot-match';

/** A slot of a test case as the face lookup needs it: its id, its box and its avatar's file name. */
export interface SlotSpec {
  id: string;
  box: FaceBox;
  avatar: string;
}

/** The two faces one slot is about: the template face its box sits on, and its avatar's face. */
export interface SlotFaces {
  template: AnalyzedFace;
  avatar: AnalyzedFace;
  /**
   * Set when the template face was found only by a closer look at this region (see `lookUpSlotFaces`):
   * an output must be looked at the same way, or an unchanged face would not analyze the same.
   */
  region?: FaceBox;
}

/**
 * Finds, for every slot, the template face under its box (Hungarian matching on overlap, so two slots
 * never share a face) and the largest face of its avatar. The swap tools, the machine score and
 * `swapbench cases validate` all go through here, so a case that validates is one they can all use.
 * Returns the faces, or one readable problem per slot that has none.
 */
export function findSlotFaces(
  slots: readonly SlotSpec[],
  template: FaceAnalysis,
  avatars: readonly FaceAnalysis[],
): { faces: SlotFaces[] } | { problems: string[] } {
  const matched = matchSlots(
    slots.map((s) => s.box),
    template.faces.map((f) => f.box),
  );
  const faces: SlotFaces[] = [];
  const problems: string[] = [];
  for (const [i, slot] of slots.entries()) {
    const templateFace = template.faces[matched[i]];
    const avatarFace = largestFace(avatars[i].faces);
    if (!templateFace)
      problems.push(`No face found in the template at slot ${slot.id} (box ${slot.box.join(', ')})`);
    if (!avatarFace) problems.push(`No face found in the avatar of slot ${slot.id} (${slot.avatar})`);
    if (templateFace && avatarFace) faces.push({ template: templateFace, avatar: avatarFace });
  }
  return problems.length > 0 ? { problems } : { faces };
}

/** The face with the largest box, or undefined when there is none. */
export function largestFace(faces: readonly AnalyzedFace[]): AnalyzedFace | undefined {
  return [...faces].sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0];
}
