import { boxBlur, luma, type Raster } from '../faces/raster';
import type { FaceBox } from '../faces/face.types';

/** A box scaled about its centre. */
export function scaleBox([x, y, w, h]: FaceBox, factor: number): FaceBox {
  return [x + (w * (1 - factor)) / 2, y + (h * (1 - factor)) / 2, w * factor, h * factor];
}

/** 1 inside any of the boxes, 0 elsewhere. */
export function boxMask(boxes: FaceBox[], width: number, height: number): Float32Array {
  const mask = new Float32Array(width * height);
  for (const [x, y, w, h] of boxes) {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(width, Math.ceil(x + w));
    const y1 = Math.min(height, Math.ceil(y + h));
    for (let yy = y0; yy < y1; yy++) mask.fill(1, yy * width + x0, yy * width + x1);
  }
  return mask;
}

/**
 * Mean SSIM (luma, 7×7 box windows, the usual constants for 8-bit images) between two equal-sized
 * images over the pixels where `weight` > 0. Returns 1 when there is nothing to compare.
 */
export function maskedSsim(a: Raster, b: Raster, weight: Float32Array): number {
  const { width, height } = a;
  const la = luma(a);
  const lb = luma(b);
  const n = la.length;
  const aa = new Float32Array(n);
  const bb = new Float32Array(n);
  const ab = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    aa[i] = la[i] * la[i];
    bb[i] = lb[i] * lb[i];
    ab[i] = la[i] * lb[i];
  }
  const r = 3;
  const [ma, mb, maa, mbb, mab] = [la, lb, aa, bb, ab].map((m) => boxBlur(m, width, height, r));
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weight[i];
    if (w <= 0) continue;
    const va = maa[i] - ma[i] * ma[i];
    const vb = mbb[i] - mb[i] * mb[i];
    const cov = mab[i] - ma[i] * mb[i];
    const s = ((2 * ma[i] * mb[i] + c1) * (2 * cov + c2)) / ((ma[i] ** 2 + mb[i] ** 2 + c1) * (va + vb + c2));
    sum += w * s;
    total += w;
  }
  return total > 0 ? sum / total : 1;
}

/** Gradient magnitude of the luma (central differences). */
export function gradientMagnitude(raster: Raster): Float32Array {
  const { width, height } = raster;
  const l = luma(raster);
  const out = new Float32Array(l.length);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      out[i] = Math.hypot(l[i + 1] - l[i - 1], l[i + width] - l[i - width]) / 2;
    }
  }
  return out;
}

/**
 * Edge strength in the output that the template does not have, over `region`, relative to the
 * template's own edge strength there. A hard paste or a visible blending seam adds edges around the
 * face; a clean swap adds almost none outside the face itself. Differences below `tolerance` (grey
 * levels per pixel) are ignored so that mild re-encoding does not count.
 */
export function excessEdges(output: Raster, template: Raster, region: Float32Array, tolerance = 4): number {
  const go = gradientMagnitude(output);
  const gt = gradientMagnitude(template);
  let excess = 0;
  let base = 0;
  let count = 0;
  for (let i = 0; i < region.length; i++) {
    if (region[i] <= 0) continue;
    excess += Math.max(0, go[i] - gt[i] - tolerance);
    base += gt[i];
    count++;
  }
  if (count === 0) return 0;
  // The +2 grey levels per pixel keep flat regions (tiny base) from turning any edge into a huge ratio.
  return excess / count / (base / count + 2);
}

/** Mean absolute difference per channel (grey levels) between two equal-sized images where `weight` > 0. */
export function maskedMeanAbsDiff(a: Raster, b: Raster, weight: Float32Array): number {
  let sum = 0;
  let total = 0;
  for (let p = 0; p < weight.length; p++) {
    const w = weight[p];
    if (w <= 0) continue;
    const i = p * 3;
    sum +=
      w *
      (Math.abs(a.data[i] - b.data[i]) +
        Math.abs(a.data[i + 1] - b.data[i + 1]) +
        Math.abs(a.data[i + 2] - b.data[i + 2]));
    total += 3 * w;
  }
  return total > 0 ? sum / total : 0;
}
