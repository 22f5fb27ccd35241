import type { FaceAnalyzer } from './face-analyzer.service';
import type { AnalyzedFace, FaceAnalysis } from './face.types';
import { analyzeRegion } from './face-region';
import { findSlotFaces, type SlotFaces, type SlotSpec } from './slot-faces';
import { matchSlots } from './slot-match';

/** The images a slot-face lookup needs: the template and one avatar per slot, encoded. */
export interface SlotFaceImages {
  template: Buffer;
  avatars: readonly Buffer[];
}

/**
 * The faces every slot is about, found the way the swap tools, the machine score and the case checks
 * all find them: the template and each avatar are analyzed whole, and a slot whose box holds no face
 * gets a second, closer look at its own region (cropped and upscaled), which finds small and
 * near-profile faces the detector misses at its input resolution on the whole image. Returns the faces,
 * or one readable problem per slot that still has none.
 */
export async function lookUpSlotFaces(
  analyzer: FaceAnalyzer,
  slots: readonly SlotSpec[],
  images: SlotFaceImages,
): Promise<{ faces: SlotFaces[] } | { problems: string[] }> {
  const [template, ...avatars] = await Promise.all([
    analyzer.analyze(images.template),
    ...images.avatars.map((a) => analyzer.analyze(a)),
  ]);
  const looked = await withSecondLook(analyzer, images.template, template, slots);
  const found = findSlotFaces(slots, looked.analysis, avatars);
  if ('problems' in found) return found;
  // Say which template faces only the closer look found: the same look must be taken at the output.
  return {
    faces: found.faces.map((f, i) => (looked.closer.has(f.template) ? { ...f, region: slots[i].box } : f)),
  };
}

/** The template's faces plus those found by a closer look at each slot box that no face covered. */
async function withSecondLook(
  analyzer: FaceAnalyzer,
  image: Buffer,
  analysis: FaceAnalysis,
  slots: readonly SlotSpec[],
): Promise<{ analysis: FaceAnalysis; closer: Set<AnalyzedFace> }> {
  const faces = [...analysis.faces];
  const closer = new Set<AnalyzedFace>();
  const matched = matchSlots(
    slots.map((s) => s.box),
    faces.map((f) => f.box),
  );
  for (const [i, slot] of slots.entries()) {
    if (matched[i] >= 0) continue;
    for (const face of await analyzeRegion(analyzer, image, analysis, slot.box)) {
      faces.push(face);
      closer.add(face);
    }
  }
  return { analysis: { ...analysis, faces }, closer };
}
