import { lumaOf, rectAround, sameInRect, type Rect, type RgbImage } from '../faces/raster';
import type { FaceBox } from '../faces/face.types';
import { scratch } from './scratch';

/** A box scaled about its centre. */
export function scaleBox([x, y, w, h]: FaceBox, factor: number): FaceBox {
  return [x + (w * (1 - factor)) / 2, y + (h * (1 - factor)) / 2, w * factor, h * factor];
}

/** 1 inside any of the boxes, 0 elsewhere. */
export function boxMask(boxes: FaceBox[], width: number, height: number): Float32Array {
  const mask = new Float32Array(width * height);
  for (const box of boxes) {
    const r = rectAround(box, 0, width, height);
    for (let y = r.y; y < r.y + r.height; y++) mask.fill(1, y * width + r.x, y * width + r.x + r.width);
  }
  return mask;
}

/** Gradient magnitude of a luma plane at index `i` (central differences), `stride` values a row. */
function gradientAt(luma: Float32Array, i: number, stride: number): number {
  const dx = luma[i + 1] - luma[i - 1];
  const dy = luma[i + stride] - luma[i - stride];
  return Math.sqrt(dx * dx + dy * dy) / 2;
}

/**
 * Edge strength in the output that the template does not have, over the rings around the faces (in an
 * `outer` × box, outside every `inner` × box), relative to the template's own edge strength there. A
 * hard paste or a visible blending seam adds edges around the face; a clean swap adds almost none
 * outside the face itself. Differences below `tolerance` (grey levels per pixel) are ignored so that
 * mild re-encoding does not count. Only the rings are read.
 */
export function excessEdges(
  output: RgbImage,
  template: RgbImage,
  faces: FaceBox[],
  ring: { inner: number; outer: number },
  tolerance = 4,
): number {
  const { width, height } = template;
  const outer = faces.map((b) => rectAround(scaleBox(b, ring.outer), 0, width, height));
  const inner = faces.map((b) => rectAround(scaleBox(b, ring.inner), 0, width, height));
  // One pixel more all round: the gradient reads the neighbours of the ring's outermost pixels.
  const crops = outer.map((r) => rectAround([r.x, r.y, r.width, r.height], 1, width, height));
  // Where the output's bytes are the template's, so are its luma and gradients: no edge is new there,
  // and where that holds around every face the measure is 0 without reading the template's edges.
  const same = crops.map((crop) => sameInRect(output, template, crop));
  if (same.every(Boolean)) return 0;
  let excess = 0;
  let base = 0;
  let count = 0;
  for (const [k, rect] of outer.entries()) {
    // The ring's pixels in this face's outer box; a pixel in several rings counts once, for the first face.
    const ringMask = scratch.uint8(rect.width * rect.height).fill(1);
    for (const r of [...inner, ...outer.slice(0, k)]) clearRect(ringMask, rect, r);
    const crop = crops[k];
    const lt = lumaOf(template, crop, scratch.float32(crop.width * crop.height));
    const lo = same[k] ? lt : lumaOf(output, crop, scratch.float32(crop.width * crop.height));
    const cw = crop.width;
    for (let y = 0; y < rect.height; y++) {
      const gy = rect.y + y;
      for (let x = 0; x < rect.width; x++) {
        if (!ringMask[y * rect.width + x]) continue;
        count++;
        const gx = rect.x + x;
        // The whole image's gradient is 0 on its outermost rows and columns.
        if (gy === 0 || gy === height - 1 || gx === 0 || gx === width - 1) continue;
        const i = (gy - crop.y) * cw + (gx - crop.x);
        const go = gradientAt(lo, i, cw);
        const gt = gradientAt(lt, i, cw);
        excess += Math.max(0, go - gt - tolerance);
        base += gt;
      }
    }
  }
  if (count === 0) return 0;
  // The +2 grey levels per pixel keep flat regions (tiny base) from turning any edge into a huge ratio.
  return excess / count / (base / count + 2);
}

/** Sets to 0 the part of `mask` (covering `area`) that lies in `rect`. */
function clearRect(mask: Uint8Array, area: Rect, rect: Rect): void {
  const x0 = Math.max(area.x, rect.x);
  const x1 = Math.min(area.x + area.width, rect.x + rect.width);
  for (let y = Math.max(area.y, rect.y); y < Math.min(area.y + area.height, rect.y + rect.height); y++) {
    if (x1 > x0)
      mask.fill(0, (y - area.y) * area.width + x0 - area.x, (y - area.y) * area.width + x1 - area.x);
  }
}
