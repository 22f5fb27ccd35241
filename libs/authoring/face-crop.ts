import sharp from 'sharp';
import type { FaceBox } from '../faces/face.types';

/** Side of the square avatar images built from a face in a photo. */
export const AVATAR_SIDE = 320;

/**
 * A head-and-shoulders square around a face of an image, as a user would supply an avatar photo: 1.8× the
 * face's larger side, kept inside the image, scaled to `AVATAR_SIDE`.
 */
export async function faceCrop(png: Buffer, box: FaceBox, width: number, height: number): Promise<Buffer> {
  const [fx, fy, fw, fh] = box;
  const side = Math.min(Math.round(Math.max(fw, fh) * 1.8), width, height);
  const left = Math.max(0, Math.min(width - side, Math.round(fx + fw / 2 - side / 2)));
  const top = Math.max(0, Math.min(height - side, Math.round(fy + fh / 2 - side / 2)));
  return sharp(png)
    .extract({ left, top, width: side, height: side })
    .resize(AVATAR_SIDE, AVATAR_SIDE)
    .png()
    .toBuffer();
}

/** A 32-bit seed from a number and a name, so each template draws its own sequence from one user seed. */
export function seedFor(seed: number, name: string): number {
  let h = seed ^ 0x9e3779b9;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** Fisher–Yates shuffle of a copy, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
