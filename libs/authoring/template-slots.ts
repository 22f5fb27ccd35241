import type { FaceAnalyzer } from '../faces/face-analyzer.service';
import type { FaceBox } from '../faces/face.types';

/** A face found in a template, as a slot candidate: its box in whole template pixels and its confidence. */
export interface FoundFace {
  box: FaceBox;
  score: number;
}

/** The faces of a (normalized) image, left to right, with boxes rounded and clamped inside the image. */
export async function findFaces(analyzer: FaceAnalyzer, png: Buffer): Promise<FoundFace[]> {
  const analysis = await analyzer.analyze(png);
  return analysis.faces.map((face) => ({
    box: clampBox(face.box, analysis.width, analysis.height),
    score: Math.round(face.score * 1000) / 1000,
  }));
}

/** Rounds a box to whole pixels that lie inside a `width`×`height` image (at least 1×1). */
export function clampBox(box: FaceBox, width: number, height: number): FaceBox {
  const x = Math.min(Math.max(0, Math.round(box[0])), width - 1);
  const y = Math.min(Math.max(0, Math.round(box[1])), height - 1);
  const w = Math.max(1, Math.min(Math.round(box[2]), width - x));
  const h = Math.max(1, Math.min(Math.round(box[3]), height - y));
  return [x, y, w, h];
}

/** A slug made of a file or title name: `Grace Hopper.jpg` → `grace_hopper`. Empty when nothing is left. */
export function slugPart(name: string, max = 40): string {
  return name
    .replace(/\.[a-z0-9]{1,5}$/i, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, max)
    .replace(/_+$/, '');
}
