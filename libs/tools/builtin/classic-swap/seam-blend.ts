import { boxBlur, type Raster } from '../../../faces/raster';
import type { WarpedFace } from './face-warp';

/** How far the statistics of the warped face may be stretched to match the skin around it. */
const MAX_CONTRAST_GAIN = 2.5;

/**
 * Shifts the warped face's colours so that, per channel, its mean and spread match the template's
 * face under the same mask (Reinhard-style transfer). Lighting and skin tone then follow the template
 * while the features stay the avatar's.
 */
export function matchColours(warped: WarpedFace, template: Raster, mask: Float32Array): void {
  for (let c = 0; c < 3; c++) {
    const src = stats(warped.pixels, mask, c);
    const dst = stats(template.data, mask, c);
    if (src.weight < 1) return;
    const gain = Math.min(MAX_CONTRAST_GAIN, Math.max(1 / MAX_CONTRAST_GAIN, dst.sd / Math.max(src.sd, 1)));
    for (let p = 0; p < mask.length; p++) {
      if (warped.coverage[p] === 0) continue;
      const i = p * 3 + c;
      warped.pixels[i] = (warped.pixels[i] - src.mean) * gain + dst.mean;
    }
  }
}

function stats(
  data: Float32Array,
  mask: Float32Array,
  c: number,
): { mean: number; sd: number; weight: number } {
  let weight = 0;
  let sum = 0;
  let sq = 0;
  for (let p = 0; p < mask.length; p++) {
    const w = mask[p];
    if (w <= 0) continue;
    const v = data[p * 3 + c];
    weight += w;
    sum += w * v;
    sq += w * v * v;
  }
  const mean = weight > 0 ? sum / weight : 0;
  return { mean, sd: Math.sqrt(Math.max(0, sq / Math.max(weight, 1e-9) - mean * mean)), weight };
}

/**
 * A soft blending mask from the warp's coverage: shrunk by `feather` pixels so the ramp lies inside
 * the face, then blurred over the same width so no hard edge remains.
 */
export function featherMask(
  coverage: Float32Array,
  width: number,
  height: number,
  feather: number,
): Float32Array {
  // Erode by blurring and keeping only what was fully inside.
  const eroded = boxBlur(coverage, width, height, feather);
  for (let i = 0; i < eroded.length; i++) eroded[i] = eroded[i] > 0.999 ? 1 : 0;
  return boxBlur(eroded, width, height, feather / 2, 3);
}

/** Alpha-blends the warped face into `target` (in place) with the soft mask. */
export function blendInto(target: Raster, warped: WarpedFace, alpha: Float32Array): void {
  for (let p = 0; p < alpha.length; p++) {
    const a = alpha[p];
    if (a <= 0) continue;
    for (let c = 0; c < 3; c++) {
      const i = p * 3 + c;
      target.data[i] = target.data[i] * (1 - a) + warped.pixels[i] * a;
    }
  }
}
