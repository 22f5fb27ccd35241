import { LRUCache } from 'lru-cache';
import type { FaceBox } from '../faces/face.types';
import type { RgbImage } from '../faces/raster';
import { fitColourMap, identityColourMap, type ColourMap } from './colour-map';
import { Frame, IDENTITY, type Similarity } from './frame';
import { robustScale } from './robust-scale';
import { CALIBRATION } from './score.calibration';
import { scratch } from './scratch';
import {
  backgroundMask,
  lumaOf,
  templatePyramid,
  withOutput,
  type Level,
  type TemplateLevel,
} from './registration-pyramid';

/** What registering an output onto its template found. */
export interface Registration {
  /** Whether a transform was found that lines up the backgrounds (see `CALIBRATION.registration`). */
  found: boolean;
  /** Template → output; `IDENTITY` when none was found or when it is within a hair of it. */
  transform: Similarity;
  /** Share of the background samples whose aligned, colour-mapped difference is small. */
  inliers: number;
  /** Output colours → template colours, fitted on the background. */
  colourMap: ColourMap;
}

/** What `registerOutput` needs: template and output at one working size, and the regions to leave out. */
export interface RegistrationInput {
  template: RgbImage;
  output: RgbImage;
  /** Full-resolution size of the template: the frame the transform is expressed in. */
  fullWidth: number;
  fullHeight: number;
  /** Regions a swap may rightly change (slot and face boxes), in full-resolution pixels; grown here. */
  exclude: FaceBox[];
  /**
   * Names the template (its case's content hash): the template's side of the fit is then made once
   * and kept for the case's next outputs (see `templateSide`).
   */
  templateKey?: string;
}

const {
  levelIterations: LEVEL_ITERATIONS,
  unchangedShare: UNCHANGED_SHARE,
  excludeGrowth: EXCLUDE_GROWTH,
  excludeTight: EXCLUDE_TIGHT,
  minBackground: MIN_BACKGROUND,
  inlierDiff: INLIER_DIFF,
  minInliers: MIN_INLIERS,
  minCorrelation: MIN_CORRELATION,
  goodInliers: GOOD_INLIERS,
  starts: STARTS,
  searchShifts: SEARCH_SHIFTS,
  searchScales: SEARCH_SCALES,
} = CALIBRATION.registration;

function grow([x, y, w, h]: FaceBox, factor: number): FaceBox {
  return [x + (w * (1 - factor)) / 2, y + (h * (1 - factor)) / 2, w * factor, h * factor];
}

/**
 * Share of the `masked` pixels in `mask` where no channel of the two images differs by more than 1; null
 * as soon as too many have changed for it to reach `UNCHANGED_SHARE` (a moved or re-graded output is
 * told after a few rows).
 */
function unchangedShare(a: RgbImage, b: RgbImage, mask: Uint8Array, masked: number): number | null {
  const allowed = masked - UNCHANGED_SHARE * masked + 1;
  let changed = 0;
  for (let p = 0, i = 0; p < mask.length; p++, i += 3) {
    if (!mask[p]) continue;
    if (
      Math.abs(a.pixels[i] - b.pixels[i]) > 1 ||
      Math.abs(a.pixels[i + 1] - b.pixels[i + 1]) > 1 ||
      Math.abs(a.pixels[i + 2] - b.pixels[i + 2]) > 1
    ) {
      if (++changed > allowed) return null;
    }
  }
  return masked > 0 ? (masked - changed) / masked : null;
}

function count(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}

/** What the fit needs of the template alone: the frame, the background mask and the template's pyramid. */
interface TemplateSide {
  frame: Frame;
  mask: Uint8Array;
  /** Pixels in `mask`. */
  masked: number;
  /** Made when first asked for (an output whose background is unchanged needs none). */
  levels: () => TemplateLevel[];
}

/** Templates' sides kept by `templateSide`: a few cases' worth per worker, least recently used out first. */
const templateSides = new LRUCache<string, TemplateSide>({ max: 8 });

/**
 * The template's side of the fit, made anew, or kept from an earlier output of the same template: with
 * `templateKey`, the same template, size and excluded regions give the same mask and pyramid.
 */
function templateSide(input: RegistrationInput): TemplateSide {
  const { template, fullWidth, fullHeight, exclude, templateKey } = input;
  const key =
    templateKey &&
    [templateKey, template.width, template.height, fullWidth, fullHeight, exclude.flat()].join();
  const kept = key ? templateSides.get(key) : undefined;
  if (kept) return kept;
  const frame = new Frame(template.width, template.height, fullWidth, fullHeight);
  // The people are left out with a generous margin (hair, neck, a paste's box), unless that leaves too
  // little to register on (a face that fills the frame); then with a tight one.
  let mask = backgroundMask(
    frame,
    exclude.map((b) => grow(b, EXCLUDE_GROWTH)),
  );
  let masked = count(mask);
  if (masked / mask.length < MIN_BACKGROUND) {
    mask = backgroundMask(
      frame,
      exclude.map((b) => grow(b, EXCLUDE_TIGHT)),
    );
    masked = count(mask);
  }
  if (key) mask = Uint8Array.from(mask);
  let levels: TemplateLevel[] | undefined;
  const side = {
    frame,
    mask,
    masked,
    levels: () => (levels ??= templatePyramid(lumaOf(template), mask, frame)),
  };
  if (key) templateSides.set(key, side);
  return side;
}

/**
 * Registers a tool's output onto its template: a similarity transform (shift, scale, rotation) estimated
 * on the background, then a per-channel colour map fitted there. Generative tools redraw the whole frame,
 * moving, re-framing and re-grading it by a little; every pixel measure is taken after this, so a redraw
 * is not mistaken for damage.
 *
 * The transform is a robust inverse-compositional Lucas–Kanade fit over an image pyramid (Huber weights,
 * so the changed people and a redrawn texture count little, and a gain and offset per iteration, so a
 * re-grade does not pull it), started from the best of a coarse search over shifts and scales.
 */
export function registerOutput(input: RegistrationInput): Registration {
  const { template, output, fullWidth, fullHeight } = input;
  const { frame, mask, masked, levels: templateLevels } = templateSide(input);
  // A tool that changed only the people leaves the template's own pixels around them: that output is
  // in the template's frame and colours, with nothing to fit.
  const unchanged = unchangedShare(template, output, mask, masked);
  if (unchanged !== null && unchanged >= UNCHANGED_SHARE)
    return { found: true, transform: IDENTITY, inliers: unchanged, colourMap: identityColourMap() };
  const levels = withOutput(templateLevels(), lumaOf(output));
  // Refined from the identity first (most outputs are in the template's frame or near it); unless
  // that lines the backgrounds up well, also from the coarse search's best starts, and the best fit
  // wins (a start far off can settle in a wrong minimum when little background is left).
  const refineFrom = (start: Similarity) => {
    let t = start;
    for (let l = levels.length - 1; l >= 0; l--) {
      t = refine(levels[l], t, LEVEL_ITERATIONS[Math.min(l, LEVEL_ITERATIONS.length - 1)]);
    }
    return { transform: t, ...residuals(levels[0], t) };
  };
  const fits = [refineFrom(IDENTITY)];
  if (fits[0].inliers < GOOD_INLIERS) {
    for (const start of coarseSearch(levels[levels.length - 1])) fits.push(refineFrom(start));
  }
  const { transform, ...fit } = fits.reduce((a, b) =>
    b.inliers * b.correlation > a.inliers * a.correlation + 1e-6 ? b : a,
  );
  const found = fit.inliers >= MIN_INLIERS && fit.correlation >= MIN_CORRELATION;
  const final = found ? snapToIdentity(transform, fullWidth, fullHeight) : IDENTITY;
  return {
    found,
    transform: final,
    inliers: fit.inliers,
    colourMap: found ? fitColourMap(template, output, mask, frame, final) : identityColourMap(),
  };
}

/**
 * The output's values at the samples under `t` (bilinear), NaN where a sample falls outside the output.
 * `Frame.x` and `Frame.y` and the bilinear read are written out here, the same sums in the same order:
 * this loop runs for every sample of every iteration of the fit.
 */
function warpedSamples(level: Level, t: Similarity, out = scratch.float32(level.u.length)): Float32Array {
  const { frame, output, u, v } = level;
  const { width, height, half, numX, denX, numY, denY } = frame;
  const [midX, midY] = [frame.fullWidth / 2, frame.fullHeight / 2];
  const { b, tx, ty } = t;
  const s = 1 + t.a;
  for (let k = 0; k < u.length; k++) {
    const x = (((s * u[k] - b * v[k] + tx) * half + midX) * numX) / denX - 0.5;
    const y = (((b * u[k] + s * v[k] + ty) * half + midY) * numY) / denY - 0.5;
    if (!(x >= 0 && y >= 0 && x < width - 1 && y < height - 1)) {
      out[k] = NaN;
      continue;
    }
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    const i = y0 * width + x0;
    const p = output[i];
    const q = output[i + 1];
    const r = output[i + width];
    const w = output[i + width + 1];
    out[k] = (p + (q - p) * fx) * (1 - fy) + (r + (w - r) * fx) * fy;
  }
  return out;
}

/** Gain and offset that best map `values` onto the template samples, with weights. */
function photometric(
  level: Level,
  values: Float32Array,
  weights?: Float32Array,
): { gain: number; offset: number } {
  let sw = 0;
  let so = 0;
  let st = 0;
  let soo = 0;
  let sot = 0;
  for (let k = 0; k < values.length; k++) {
    const o = values[k];
    if (Number.isNaN(o)) continue;
    const w = weights ? weights[k] : 1;
    sw += w;
    so += w * o;
    st += w * level.t[k];
    soo += w * o * o;
    sot += w * o * level.t[k];
  }
  if (sw === 0) return { gain: 1, offset: 0 };
  const varO = soo / sw - (so / sw) ** 2;
  const cov = sot / sw - (so / sw) * (st / sw);
  // A flat output cannot be matched by a gain; keep it near 1 then.
  const gain = varO > 1 ? Math.max(0.2, Math.min(5, cov / varO)) : 1;
  return { gain, offset: st / sw - (gain * so) / sw };
}

function refine(level: Level, start: Similarity, iterations: number): Similarity {
  let t = start;
  const n = level.t.length;
  if (n < 16) return t;
  const errors = scratch.float32(n);
  const weights = scratch.float32(n).fill(1);
  const values = scratch.float32(n);
  const sd = level.sd;
  for (let it = 0; it < iterations; it++) {
    warpedSamples(level, t, values);
    const { gain, offset } = photometric(level, values, weights);
    for (let k = 0; k < n; k++) errors[k] = gain * values[k] + offset - level.t[k];
    const huber = 1.345 * robustScale(errors);
    // The weighted Gauss–Newton system, summed sample by sample with each product grouped as
    // (w·sdᵢ)·sdⱼ: h holds its upper triangle (i ≤ j), g the right-hand side. (Plain declarations: the
    // same sums declared by destructuring made this loop a sixth slower.)
    let h00 = 0;
    let h01 = 0;
    let h02 = 0;
    let h03 = 0;
    let h11 = 0;
    let h12 = 0;
    let h13 = 0;
    let h22 = 0;
    let h23 = 0;
    let h33 = 0;
    let g0 = 0;
    let g1 = 0;
    let g2 = 0;
    let g3 = 0;
    for (let k = 0; k < n; k++) {
      const e = errors[k];
      if (Number.isNaN(e)) {
        weights[k] = 0;
        continue;
      }
      const w = Math.abs(e) <= huber ? 1 : huber / Math.abs(e);
      weights[k] = w;
      const d0 = sd[4 * k];
      const d1 = sd[4 * k + 1];
      const d2 = sd[4 * k + 2];
      const d3 = sd[4 * k + 3];
      const w0 = w * d0;
      const w1 = w * d1;
      const w2 = w * d2;
      const w3 = w * d3;
      g0 += w0 * e;
      h00 += w0 * d0;
      h01 += w0 * d1;
      h02 += w0 * d2;
      h03 += w0 * d3;
      g1 += w1 * e;
      h11 += w1 * d1;
      h12 += w1 * d2;
      h13 += w1 * d3;
      g2 += w2 * e;
      h22 += w2 * d2;
      h23 += w2 * d3;
      g3 += w3 * e;
      h33 += w3 * d3;
    }
    const h = Float64Array.of(h00, h01, h02, h03, h01, h11, h12, h13, h02, h12, h22, h23, h03, h13, h23, h33);
    const g = Float64Array.of(g0, g1, g2, g3);
    // The residuals are in the template's grey levels, like the steepest-descent rows.
    const step = solve4(h, g);
    if (!step) return t;
    t = composeInverse(t, { a: step[0], b: step[1], tx: step[2], ty: step[3] });
    if (Math.abs(step[0]) + Math.abs(step[1]) + Math.abs(step[2]) + Math.abs(step[3]) < 1e-5) break;
  }
  return t;
}

/** W(t) ∘ W(d)⁻¹, the inverse-compositional update. */
function composeInverse(t: Similarity, d: Similarity): Similarity {
  // Similarities as complex numbers: z ↦ s·z + c with s = (1+a) + ib, c = tx + i·ty.
  const [sr, si] = [1 + t.a, t.b];
  const [dr, di] = [1 + d.a, d.b];
  const norm = dr * dr + di * di;
  // d⁻¹: z ↦ (z − c_d) / s_d.
  const [ir, ii] = [dr / norm, -di / norm];
  const [icr, ici] = [-(d.tx * ir - d.ty * ii), -(d.tx * ii + d.ty * ir)];
  // t ∘ d⁻¹: z ↦ s_t (s_i z + c_i) + c_t.
  const ar = sr * ir - si * ii;
  const ai = sr * ii + si * ir;
  return { a: ar - 1, b: ai, tx: sr * icr - si * ici + t.tx, ty: sr * ici + si * icr + t.ty };
}

/** Solves the 4×4 system h·x = g (Gaussian elimination with partial pivoting); null when singular. */
function solve4(h: Float64Array, g: Float64Array): number[] | null {
  const m = Array.from({ length: 4 }, (_, i) => [h[i * 4], h[i * 4 + 1], h[i * 4 + 2], h[i * 4 + 3], g[i]]);
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-9) return null;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < 4; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k < 5; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = [0, 0, 0, 0];
  for (let r = 3; r >= 0; r--) {
    let s = m[r][4];
    for (let k = r + 1; k < 4; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/** Correlation and inlier share of the aligned samples. */
function residuals(level: Level, t: Similarity): { inliers: number; correlation: number } {
  const values = warpedSamples(level, t);
  const { gain, offset } = photometric(level, values);
  let n = 0;
  let inliers = 0;
  let so = 0;
  let st = 0;
  let soo = 0;
  let stt = 0;
  let sot = 0;
  for (let k = 0; k < values.length; k++) {
    const o = values[k];
    if (Number.isNaN(o)) continue;
    const tv = level.t[k];
    n++;
    if (Math.abs(gain * o + offset - tv) < INLIER_DIFF) inliers++;
    so += o;
    st += tv;
    soo += o * o;
    stt += tv * tv;
    sot += o * tv;
  }
  if (n === 0) return { inliers: 0, correlation: 0 };
  const cov = sot / n - (so / n) * (st / n);
  const denom = Math.sqrt(Math.max(1e-9, (soo / n - (so / n) ** 2) * (stt / n - (st / n) ** 2)));
  // Samples that fell outside the output count as outliers: a frame shifted off the image is not lined up.
  return { inliers: inliers / level.t.length, correlation: cov / denom };
}

/** Starts of the fit: the candidates whose aligned samples correlate best with the template's. */
function coarseSearch(level: Level): Similarity[] {
  const { frame } = level;
  const ranked: Array<{ t: Similarity; score: number }> = [];
  for (const scale of SEARCH_SCALES) {
    for (const fy of SEARCH_SHIFTS) {
      for (const fx of SEARCH_SHIFTS) {
        if (fx === 0 && fy === 0 && scale === 1) continue;
        const t = {
          a: scale - 1,
          b: 0,
          tx: (fx * frame.fullWidth) / frame.half,
          ty: (fy * frame.fullHeight) / frame.half,
        };
        const { correlation, inliers } = residuals(level, t);
        ranked.push({ t, score: correlation * inliers });
      }
    }
  }
  return ranked
    .sort((p, q) => q.score - p.score)
    .slice(0, STARTS)
    .map((r) => r.t);
}

/**
 * The identity when the transform moves no pixel of the frame by more than a fifth of a pixel: an
 * output already in the template's frame is then measured exactly as it is, not resampled.
 */
function snapToIdentity(t: Similarity, width: number, height: number): Similarity {
  const half = Math.max(width, height) / 2;
  // Largest displacement over the frame's corners, in full-resolution pixels.
  const corners = [
    [-width / 2, -height / 2],
    [width / 2, -height / 2],
    [-width / 2, height / 2],
    [width / 2, height / 2],
  ].map(([x, y]) => [x / half, y / half]);
  const moved = Math.max(
    ...corners.map(([u, v]) => Math.hypot(t.a * u - t.b * v + t.tx, t.b * u + t.a * v + t.ty) * half),
  );
  return moved < 0.2 ? IDENTITY : t;
}
