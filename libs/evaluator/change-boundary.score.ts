import type { FaceBox } from '../faces/face.types';
import { boxBlur, type Raster } from '../faces/raster';
import { boxMask, scaleBox } from './image-quality.score';

/** How a change boundary is told hard or soft (values in `CALIBRATION.image.hardCut`). */
export interface HardCutSettings {
  /** Radius of the box mean applied to the signed colour change (1: 3×3), so noise and JPEG blocks average out. */
  smoothRadius: number;
  /** A pixel counts as unchanged below this change (grey levels)… */
  unchangedAt: number;
  /** …plus this many times the median change of the background (the output's own noise floor). */
  noiseFactor: number;
  /** A strongly changed pixel is at least this much above the unchanged level (grey levels). */
  jump: number;
  /** Strongly changed areas thinner than 2r+1 px are dropped (edges shifted by blur or JPEG are not regions). */
  minRegionRadius: number;
  /** An unchanged pixel this close (px, Chebyshev) to a strongly changed region sits on a hard cut. */
  reach: number;
  /** The change level an edit reaches is the mean change of the changed pixels within this radius (px)… */
  plateauRadius: number;
  /** …and a cut is hard when the change has risen this share of it within `reach`. */
  plateauShare: number;
  /** The band where a face's edit ends is looked at from this factor of the face box… */
  inner: number;
  /** …to this one. */
  outer: number;
}

/** What `hardCutFraction` measured. */
export interface HardCut {
  /** Per face: length of hard change boundary in the band, as a fraction of the face box's perimeter (capped at 1). */
  faces: number[];
  /** The unchanged level used (grey levels): `unchangedAt` + `noiseFactor` × background median. */
  unchangedLevel: number;
}

/**
 * How much of each face's outline is a hard cut: a place where the output goes from untouched to
 * strongly changed within a few pixels. Let D be the per-pixel change |output − template| (largest
 * channel, after a light box mean of the signed change). A tool that blends — feathered alpha, Poisson,
 * a generative model — changes the image with a fall-off over many pixels; a paste changes it with a
 * step, all around the pasted region. The measure counts the pixels on the boundary of the unchanged
 * area (D below the unchanged level, with a 4-neighbour above it) that lie within `reach` px of a
 * strongly changed region (D above the unchanged level + `jump`, opened by `minRegionRadius`) and where
 * D has risen, within `reach`, at least `plateauShare` of the way to the mean change around it (so a
 * wide ramp between very different pictures is not a cut, however high it climbs), in the band
 * `inner`–`outer` × each face box, and divides by the box's perimeter. A rectangle pasted with hard
 * edges measures 0.8–1.0; a feathered swap 0–0.05 (docs/score.md). The band starts outside the eyes
 * and mouth, where a swap rightly changes the image abruptly.
 */
export function hardCutFraction(
  output: Raster,
  template: Raster,
  faceBoxes: FaceBox[],
  background: Float32Array,
  settings: HardCutSettings,
): HardCut {
  const { width, height } = template;
  const change = changeMap(output, template, settings.smoothRadius);
  const unchangedLevel = settings.unchangedAt + settings.noiseFactor * maskedMedian(change, background);
  const strongLevel = unchangedLevel + settings.jump;
  const strong = new Float32Array(change.length);
  for (let i = 0; i < change.length; i++) strong[i] = change[i] > strongLevel ? 1 : 0;
  // Morphological opening by box blurs: erode (all of the box set), then dilate (any of it set).
  const opened = threshold(
    boxBlur(
      threshold(boxBlur(strong, width, height, settings.minRegionRadius), 0.999),
      width,
      height,
      settings.minRegionRadius,
    ),
    1e-4,
  );
  const nearStrong = boxBlur(opened, width, height, settings.reach);
  // How far the change has risen within `reach`, against the level it reaches further in.
  const risen = maxFilter(change, width, height, settings.reach);
  const changed = threshold(change, unchangedLevel);
  const changedSum = boxBlur(
    changed.map((v, i) => v * change[i]),
    width,
    height,
    settings.plateauRadius,
  );
  const changedCount = boxBlur(changed, width, height, settings.plateauRadius);
  const faces = faceBoxes.map((box) => {
    const band = boxMask([scaleBox(box, settings.outer)], width, height);
    const inside = boxMask([scaleBox(box, settings.inner)], width, height);
    let cut = 0;
    for (let y = 1; y < height - 1; y++) {
      for (let x = 1; x < width - 1; x++) {
        const i = y * width + x;
        if (band[i] === 0 || inside[i] === 1 || change[i] >= unchangedLevel || nearStrong[i] < 1e-4) continue;
        const onBoundary =
          change[i - 1] >= unchangedLevel ||
          change[i + 1] >= unchangedLevel ||
          change[i - width] >= unchangedLevel ||
          change[i + width] >= unchangedLevel;
        const plateau = changedCount[i] > 0 ? changedSum[i] / changedCount[i] : 0;
        if (onBoundary && risen[i] - unchangedLevel >= settings.plateauShare * (plateau - unchangedLevel))
          cut++;
      }
    }
    return Math.min(1, cut / (2 * (box[2] + box[3])));
  });
  return { faces, unchangedLevel };
}

/** Largest per-channel |output − template| after a box mean of radius `radius` of the signed change. */
function changeMap(output: Raster, template: Raster, radius: number): Float32Array {
  const { width, height } = template;
  const n = width * height;
  const change = new Float32Array(n);
  for (let c = 0; c < 3; c++) {
    const signed = new Float32Array(n);
    for (let p = 0; p < n; p++) signed[p] = output.data[p * 3 + c] - template.data[p * 3 + c];
    const smooth = boxBlur(signed, width, height, radius);
    for (let p = 0; p < n; p++) change[p] = Math.max(change[p], Math.abs(smooth[p]));
  }
  return change;
}

/** Median of `values` where `mask` > 0; 0 when the mask is empty. */
function maskedMedian(values: Float32Array, mask: Float32Array): number {
  const picked: number[] = [];
  for (let i = 0; i < values.length; i++) if (mask[i] > 0) picked.push(values[i]);
  if (picked.length === 0) return 0;
  const sorted = Float32Array.from(picked).sort();
  return sorted[Math.floor(sorted.length / 2)];
}

/** Largest value within `radius` px (Chebyshev), separable. */
function maxFilter(map: Float32Array, width: number, height: number, radius: number): Float32Array {
  const rows = new Float32Array(map.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let m = -Infinity;
      for (let k = Math.max(0, x - radius); k <= Math.min(width - 1, x + radius); k++)
        m = Math.max(m, map[y * width + k]);
      rows[y * width + x] = m;
    }
  }
  const out = new Float32Array(map.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let m = -Infinity;
      for (let k = Math.max(0, y - radius); k <= Math.min(height - 1, y + radius); k++)
        m = Math.max(m, rows[k * width + x]);
      out[y * width + x] = m;
    }
  }
  return out;
}

function threshold(map: Float32Array, level: number): Float32Array {
  return map.map((v) => (v > level ? 1 : 0));
}
