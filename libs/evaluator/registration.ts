import type { FaceBox } from '../faces/face.types';
import type { RgbImage } from '../faces/raster';

/**
 * A similarity transform from the template's frame to the output's, in the template's full-resolution
 * continuous coordinates normalised about the image centre: u = (x − W/2) / (S/2), v = (y − H/2) / (S/2),
 * S = max(W, H); the output point is u' = (1+a)u − bv + tx, v' = bu + (1+a)v + ty. Normalised this way the
 * four numbers mean the same at every resolution, and none of them dwarfs the others in a fit.
 */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** The identity transform: the output is in the template's frame already. */
export const IDENTITY: Similarity = { a: 0, b: 0, tx: 0, ty: 0 };

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

/**
 * A global colour map, output → template: each channel's value is its own curve (offset, gain and a
 * bend, 256 entries) plus a linear share of the other two channels (a saturation or white-balance
 * change mixes channels).
 */
export interface ColourMap {
  /** Per channel (R, G, B), 256 entries each: the channel's own curve. */
  curves: Float32Array;
  /** Row-major 3×3 shares of each input channel in each output channel; the diagonal is 0 (in `curves`). */
  mix: number[];
  /** What is left after the curves and mix, per colour: 9³ RGB lattice nodes, 3 values each (see `fitResidual`). */
  residual: Float32Array;
}

/** The map that changes nothing. */
export function identityColourMap(): ColourMap {
  const curves = new Float32Array(768);
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) curves[c * 256 + v] = v;
  return { curves, mix: [0, 0, 0, 0, 0, 0, 0, 0, 0], residual: new Float32Array(LATTICE ** 3 * 3) };
}

/** How far the transform moves and turns the frame, in the units of the breakdown. */
export interface FrameChange {
  /** Shift of the image centre as fractions of the width and the height. */
  dx: number;
  dy: number;
  scale: number;
  rotationDeg: number;
}

/** The frame change a transform makes in an image of `width` × `height`. */
export function frameChange(t: Similarity, width: number, height: number): FrameChange {
  const half = Math.max(width, height) / 2;
  return {
    dx: (t.tx * half) / width,
    dy: (t.ty * half) / height,
    scale: Math.hypot(1 + t.a, t.b),
    rotationDeg: (Math.atan2(t.b, 1 + t.a) * 180) / Math.PI,
  };
}

/**
 * Maps points of the template's frame (full-resolution pixel coordinates) into the output's frame
 * through `t`: where the output shows what the template shows at that point.
 */
export function mapToOutput(
  t: Similarity,
  width: number,
  height: number,
): (x: number, y: number) => [number, number] {
  const half = Math.max(width, height) / 2;
  return (x, y) => {
    const u = (x - width / 2) / half;
    const v = (y - height / 2) / half;
    return [
      ((1 + t.a) * u - t.b * v + t.tx) * half + width / 2,
      (t.b * u + (1 + t.a) * v + t.ty) * half + height / 2,
    ];
  };
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
}

const LEVEL_ITERATIONS = [40, 20, 10, 6];
/** Growth of the excluded boxes about their centres, and the tighter one used when little is left. */
const EXCLUDE_GROWTH = 1.9;
const EXCLUDE_TIGHT = 1.25;
/** Share of the frame the background must keep for the generous exclusion to stand. */
const MIN_BACKGROUND = 0.3;

function grow([x, y, w, h]: FaceBox, factor: number): FaceBox {
  return [x + (w * (1 - factor)) / 2, y + (h * (1 - factor)) / 2, w * factor, h * factor];
}

function share(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return n / mask.length;
}
const MIN_LEVEL_SIDE = 48;
/** A sample is an inlier when its aligned, photometrically matched difference is below this (grey levels). */
const INLIER_DIFF = 12;
/** The registration counts as found when this share of the background samples are inliers… */
const MIN_INLIERS = 0.35;
/** …and the aligned backgrounds correlate at least this much. */
const MIN_CORRELATION = 0.5;
/** A fit from the identity this good needs no other start. */
const GOOD_INLIERS = 0.7;
/** How many of the coarse search's best starts are refined when the identity's fit is not good. */
const STARTS = 3;

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
  const frame = new Frame(template.width, template.height, fullWidth, fullHeight);
  // The people are left out with a generous margin (hair, neck, a paste's box), unless that leaves too
  // little to register on (a face that fills the frame); then with a tight one.
  let mask = backgroundMask(
    frame,
    input.exclude.map((b) => grow(b, EXCLUDE_GROWTH)),
  );
  if (share(mask) < MIN_BACKGROUND)
    mask = backgroundMask(
      frame,
      input.exclude.map((b) => grow(b, EXCLUDE_TIGHT)),
    );
  const levels = pyramid(lumaOf(template), lumaOf(output), mask, frame);
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
    colourMap: fitColourMap(template, output, mask, frame, final),
  };
}

/** Maps a working image's pixels to the normalised coordinates of the full-resolution frame. */
class Frame {
  readonly half: number;
  constructor(
    readonly width: number,
    readonly height: number,
    readonly fullWidth: number,
    readonly fullHeight: number,
  ) {
    this.half = Math.max(fullWidth, fullHeight) / 2;
  }

  /** This frame at half the resolution (2×2 boxes, a trailing odd row or column dropped). */
  halved(): Frame {
    return new Frame(this.width >> 1, this.height >> 1, this.fullWidth, this.fullHeight);
  }

  /** Pixel column → u. Pixel centres sit at x + 0.5 in continuous coordinates. */
  u(x: number): number {
    return ((x + 0.5) * (this.fullWidth / this.width) - this.fullWidth / 2) / this.half;
  }

  v(y: number): number {
    return ((y + 0.5) * (this.fullHeight / this.height) - this.fullHeight / 2) / this.half;
  }

  x(u: number): number {
    return ((u * this.half + this.fullWidth / 2) * this.width) / this.fullWidth - 0.5;
  }

  y(v: number): number {
    return ((v * this.half + this.fullHeight / 2) * this.height) / this.fullHeight - 0.5;
  }
}

/** One level of the pyramid: both images' luma, the template's gradient, and the background samples. */
interface Level {
  frame: Frame;
  template: Float32Array;
  output: Float32Array;
  /** Pixel indices of the background samples (textured background pixels). */
  samples: Int32Array;
  /** Per sample: template value, u, v, and the steepest-descent row (4 values). */
  t: Float32Array;
  u: Float32Array;
  v: Float32Array;
  sd: Float32Array;
}

function lumaOf({ width, height, pixels }: RgbImage): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0, j = 0; i < out.length; i++, j += 3)
    out[i] = 0.299 * pixels[j] + 0.587 * pixels[j + 1] + 0.114 * pixels[j + 2];
  return out;
}

/** 1 where a pixel of the working image lies outside every excluded box and away from the border. */
function backgroundMask(frame: Frame, exclude: FaceBox[]): Uint8Array {
  const { width, height, fullWidth, fullHeight } = frame;
  const mask = new Uint8Array(width * height);
  const margin = 2;
  for (let y = margin; y < height - margin; y++) mask.fill(1, y * width + margin, (y + 1) * width - margin);
  const sx = width / fullWidth;
  const sy = height / fullHeight;
  for (const [bx, by, bw, bh] of exclude) {
    const x0 = Math.max(0, Math.floor(bx * sx));
    const y0 = Math.max(0, Math.floor(by * sy));
    const x1 = Math.min(width, Math.ceil((bx + bw) * sx));
    const y1 = Math.min(height, Math.ceil((by + bh) * sy));
    for (let y = y0; y < y1; y++) mask.fill(0, y * width + x0, y * width + x1);
  }
  return mask;
}

function pyramid(template: Float32Array, output: Float32Array, mask: Uint8Array, frame: Frame): Level[] {
  const levels: Level[] = [];
  let t = smooth(template, frame.width, frame.height);
  let o = smooth(output, frame.width, frame.height);
  let m = mask;
  let f = frame;
  for (;;) {
    levels.push(level(f, t, o, m));
    if (Math.max(f.width, f.height) / 2 < MIN_LEVEL_SIDE) return levels;
    const next = f.halved();
    t = halve(t, f, next);
    o = halve(o, f, next);
    m = halveMask(m, f, next);
    f = next;
  }
}

/** A 3×3 binomial smoothing: Lucas–Kanade's linearisation holds over a wider range on smooth images. */
function smooth(map: Float32Array, width: number, height: number): Float32Array {
  const tmp = new Float32Array(map.length);
  const out = new Float32Array(map.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const l = map[row + Math.max(0, x - 1)];
      const r = map[row + Math.min(width - 1, x + 1)];
      tmp[row + x] = 0.25 * l + 0.5 * map[row + x] + 0.25 * r;
    }
  }
  for (let y = 0; y < height; y++) {
    const up = Math.max(0, y - 1) * width;
    const down = Math.min(height - 1, y + 1) * width;
    const row = y * width;
    for (let x = 0; x < width; x++)
      out[row + x] = 0.25 * tmp[up + x] + 0.5 * tmp[row + x] + 0.25 * tmp[down + x];
  }
  return out;
}

function halve(map: Float32Array, from: Frame, to: Frame): Float32Array {
  const out = new Float32Array(to.width * to.height);
  for (let y = 0; y < to.height; y++) {
    const a = 2 * y * from.width;
    const b = a + from.width;
    for (let x = 0; x < to.width; x++) {
      const i = 2 * x;
      out[y * to.width + x] = (map[a + i] + map[a + i + 1] + map[b + i] + map[b + i + 1]) / 4;
    }
  }
  return out;
}

function halveMask(mask: Uint8Array, from: Frame, to: Frame): Uint8Array {
  const out = new Uint8Array(to.width * to.height);
  for (let y = 0; y < to.height; y++) {
    const a = 2 * y * from.width;
    const b = a + from.width;
    for (let x = 0; x < to.width; x++) {
      const i = 2 * x;
      out[y * to.width + x] = mask[a + i] & mask[a + i + 1] & mask[b + i] & mask[b + i + 1];
    }
  }
  return out;
}

/** Most samples a level keeps: enough for a stable fit, few enough to stay cheap at the finest level. */
const MAX_SAMPLES = 12000;

function level(frame: Frame, template: Float32Array, output: Float32Array, mask: Uint8Array): Level {
  const { width, height } = frame;
  const gx = new Float32Array(width * height);
  const gy = new Float32Array(width * height);
  // Gradient strengths in half grey levels, to find the median without a sort.
  const bins = new Uint32Array(1021);
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      gx[i] = (template[i + 1] - template[i - 1]) / 2;
      gy[i] = (template[i + width] - template[i - width]) / 2;
      if (!mask[i]) continue;
      bins[Math.min(1020, Math.floor(2 * (Math.abs(gx[i]) + Math.abs(gy[i]))))]++;
      count++;
    }
  }
  // Flat pixels carry no information about a shift; keep the textured half of the background.
  let seen = 0;
  let bin = 0;
  while (bin < 1020 && seen + bins[bin] < count / 2) seen += bins[bin++];
  const threshold = Math.max(0.5, bin / 2);
  const kept = count - seen;
  const stride = Math.max(1, Math.ceil(kept / MAX_SAMPLES));
  const chosen = new Int32Array(Math.ceil(kept / stride) + 1);
  let n = 0;
  let k = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      if (!mask[i] || Math.abs(gx[i]) + Math.abs(gy[i]) < threshold) continue;
      if (k++ % stride === 0 && n < chosen.length) chosen[n++] = i;
    }
  }
  const samples = chosen.subarray(0, n);
  const t = new Float32Array(n);
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  const sd = new Float32Array(n * 4);
  // Gradient per unit of u and v: pixels per unit times grey levels per pixel.
  const pxPerU = (frame.half * width) / frame.fullWidth;
  const pxPerV = (frame.half * height) / frame.fullHeight;
  for (let k = 0; k < n; k++) {
    const i = samples[k];
    const x = i % width;
    const y = (i - x) / width;
    t[k] = template[i];
    u[k] = frame.u(x);
    v[k] = frame.v(y);
    const du = gx[i] * pxPerU;
    const dv = gy[i] * pxPerV;
    sd[4 * k] = du * u[k] + dv * v[k];
    sd[4 * k + 1] = -du * v[k] + dv * u[k];
    sd[4 * k + 2] = du;
    sd[4 * k + 3] = dv;
  }
  return { frame, template, output, samples, t, u, v, sd };
}

function bilinear(map: Float32Array, width: number, height: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * width + x0;
  const a = map[i];
  const b = map[i + 1];
  const c = map[i + width];
  const d = map[i + width + 1];
  return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
}

/** The output's values at the samples under `t`, NaN where a sample falls outside the output. */
function warpedSamples(level: Level, t: Similarity): Float32Array {
  const { frame, output, u, v } = level;
  const { width, height } = frame;
  const out = new Float32Array(u.length);
  const s = 1 + t.a;
  for (let k = 0; k < u.length; k++) {
    const x = frame.x(s * u[k] - t.b * v[k] + t.tx);
    const y = frame.y(t.b * u[k] + s * v[k] + t.ty);
    out[k] =
      x >= 0 && y >= 0 && x < width - 1 && y < height - 1 ? bilinear(output, width, height, x, y) : NaN;
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

/**
 * A robust scale of the residuals: 1.4826 × their median absolute value (NaN skipped), the median read
 * from a histogram of quarter grey levels, so no sort.
 */
function robustScale(errors: Float32Array): number {
  const bins = new Uint32Array(1025);
  let n = 0;
  for (let k = 0; k < errors.length; k++) {
    const e = errors[k];
    if (Number.isNaN(e)) continue;
    bins[Math.min(1024, Math.floor(Math.abs(e) * 4))]++;
    n++;
  }
  if (n === 0) return 1;
  let seen = 0;
  let bin = 0;
  while (bin < 1024 && seen + bins[bin] <= n / 2) seen += bins[bin++];
  return Math.max(1, 1.4826 * ((bin + 0.5) / 4));
}

function refine(level: Level, start: Similarity, iterations: number): Similarity {
  let t = start;
  const n = level.t.length;
  if (n < 16) return t;
  const errors = new Float32Array(n);
  const weights = new Float32Array(n).fill(1);
  for (let it = 0; it < iterations; it++) {
    const values = warpedSamples(level, t);
    const { gain, offset } = photometric(level, values, weights);
    for (let k = 0; k < n; k++) errors[k] = gain * values[k] + offset - level.t[k];
    const huber = 1.345 * robustScale(errors);
    const h = new Float64Array(16);
    const g = new Float64Array(4);
    for (let k = 0; k < n; k++) {
      const e = errors[k];
      if (Number.isNaN(e)) {
        weights[k] = 0;
        continue;
      }
      const w = Math.abs(e) <= huber ? 1 : huber / Math.abs(e);
      weights[k] = w;
      const row = 4 * k;
      for (let i = 0; i < 4; i++) {
        const wi = w * level.sd[row + i];
        g[i] += wi * e;
        for (let j = i; j < 4; j++) h[i * 4 + j] += wi * level.sd[row + j];
      }
    }
    for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) h[i * 4 + j] = h[j * 4 + i];
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

/** Starting shifts and scales tried on the coarsest level, as fractions of the frame. */
const SEARCH_SHIFTS = [-0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12];
const SEARCH_SCALES = [0.92, 1, 1.08];

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

/** Background pixels the colour map is fitted on: plenty for three coefficients per channel. */
const COLOUR_SAMPLES = 8000;

/**
 * The colour map, output → template, fitted on the aligned background: per output channel, an offset,
 * a linear share of all three input channels and a bend of its own (a re-grade: gain, white balance,
 * saturation, a gamma-like curve), robustly (Huber), so changed regions the mask missed pull it little.
 * The bend is dropped when it would not be monotone over 0–255, and the identity kept when the fit is
 * implausible.
 */
function fitColourMap(
  template: RgbImage,
  output: RgbImage,
  mask: Uint8Array,
  frame: Frame,
  t: Similarity,
): ColourMap {
  const { width, height } = frame;
  const stride = Math.max(1, Math.floor((width * height) / (COLOUR_SAMPLES * 2)));
  const from = new Float32Array(COLOUR_SAMPLES * 3);
  const to = new Float32Array(COLOUR_SAMPLES * 3);
  let n = 0;
  const s = 1 + t.a;
  for (let i = 0; i < width * height && n < COLOUR_SAMPLES; i += stride) {
    if (!mask[i]) continue;
    const x = i % width;
    const y = (i - x) / width;
    const u = frame.u(x);
    const v = frame.v(y);
    const ox = Math.round(frame.x(s * u - t.b * v + t.tx));
    const oy = Math.round(frame.y(t.b * u + s * v + t.ty));
    if (ox < 0 || oy < 0 || ox >= width || oy >= height) continue;
    const j = (oy * width + ox) * 3;
    for (let c = 0; c < 3; c++) {
      from[n * 3 + c] = output.pixels[j + c] / 255;
      to[n * 3 + c] = template.pixels[i * 3 + c];
    }
    n++;
  }
  const map = identityColourMap();
  if (n < 100) return map;
  for (let c = 0; c < 3; c++) {
    const fit = fitChannel(from.subarray(0, n * 3), to.subarray(0, n * 3), c);
    if (!fit) continue;
    // fit: [offset, share of R, G, B, bend], on inputs scaled to 0–1.
    for (let v = 0; v < 256; v++) {
      const x = v / 255;
      map.curves[c * 256 + v] = fit[0] + fit[1 + c] * x + fit[4] * x * x;
    }
    for (let k = 0; k < 3; k++) map.mix[c * 3 + k] = k === c ? 0 : fit[1 + k] / 255;
  }
  fitResidual(map, from.subarray(0, n * 3), to.subarray(0, n * 3));
  return map;
}

/** Nodes per axis of the residual lattice over RGB (a node every 32 grey levels). */
const LATTICE = 9;
const LATTICE_STEP = 255 / (LATTICE - 1);
/** Pseudo-weight pulling each lattice node towards no correction, so sparse colours stay on the global map. */
const LATTICE_PRIOR = 4;

/**
 * What the global map leaves over, as a function of colour: a re-grade that bends some colours more than
 * others (saturation, a hue shift in the shadows) leaves residuals the per-channel model cannot take.
 * They are averaged onto a coarse RGB lattice (trilinear weights, robustly), and read back trilinearly.
 * For an output whose background is unchanged they are all 0.
 */
function fitResidual(map: ColourMap, from: Float32Array, to: Float32Array): void {
  const n = from.length / 3;
  const residuals = new Float32Array(n * 3);
  const pixel = new Uint8ClampedArray(3);
  const nodes = new Int32Array(8);
  const cornerWeights = new Float32Array(8);
  const fitted = new Float32Array(3);
  for (let k = 0; k < n; k++) {
    applyGlobal(
      map,
      Math.round(from[k * 3] * 255),
      Math.round(from[k * 3 + 1] * 255),
      Math.round(from[k * 3 + 2] * 255),
      pixel,
      0,
    );
    for (let c = 0; c < 3; c++) residuals[k * 3 + c] = to[k * 3 + c] - pixel[c];
  }
  const weights = new Float32Array(n).fill(1);
  const magnitude = new Float32Array(n);
  for (let pass = 0; pass < 2; pass++) {
    const sum = new Float32Array(LATTICE ** 3 * 3);
    const weight = new Float32Array(LATTICE ** 3);
    for (let k = 0; k < n; k++) {
      corners(from[k * 3] * 255, from[k * 3 + 1] * 255, from[k * 3 + 2] * 255, nodes, cornerWeights);
      for (let j = 0; j < 8; j++) {
        const w = cornerWeights[j] * weights[k];
        weight[nodes[j]] += w;
        for (let c = 0; c < 3; c++) sum[nodes[j] * 3 + c] += w * residuals[k * 3 + c];
      }
    }
    for (let node = 0; node < weight.length; node++)
      for (let c = 0; c < 3; c++)
        map.residual[node * 3 + c] = sum[node * 3 + c] / (weight[node] + LATTICE_PRIOR);
    if (pass === 1) break;
    // Samples the lattice does not explain (a changed region the mask missed) count less the second time.
    for (let k = 0; k < n; k++) {
      latticeAt(
        map.residual,
        from[k * 3] * 255,
        from[k * 3 + 1] * 255,
        from[k * 3 + 2] * 255,
        fitted,
        nodes,
        cornerWeights,
      );
      let worst = 0;
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(residuals[k * 3 + c] - fitted[c]));
      magnitude[k] = worst;
    }
    const huber = 1.345 * Math.max(2, robustScale(magnitude));
    for (let k = 0; k < n; k++) weights[k] = magnitude[k] <= huber ? 1 : huber / magnitude[k];
  }
}

/** The 8 lattice nodes around a colour and their trilinear weights, written into `nodes` and `weights`. */
function corners(r: number, g: number, b: number, nodes: Int32Array, weights: Float32Array): void {
  const fr = Math.min(LATTICE - 1.000001, r / LATTICE_STEP);
  const fg = Math.min(LATTICE - 1.000001, g / LATTICE_STEP);
  const fb = Math.min(LATTICE - 1.000001, b / LATTICE_STEP);
  const ir = fr | 0;
  const ig = fg | 0;
  const ib = fb | 0;
  const dr = fr - ir;
  const dg = fg - ig;
  const db = fb - ib;
  for (let corner = 0; corner < 8; corner++) {
    const cr = corner & 1;
    const cg = (corner >> 1) & 1;
    const cb = (corner >> 2) & 1;
    weights[corner] = (cr ? dr : 1 - dr) * (cg ? dg : 1 - dg) * (cb ? db : 1 - db);
    nodes[corner] = ((ir + cr) * LATTICE + (ig + cg)) * LATTICE + (ib + cb);
  }
}

/** The residual lattice read at a colour (trilinear), written into `out`. */
function latticeAt(
  lattice: Float32Array,
  r: number,
  g: number,
  b: number,
  out: Float32Array,
  nodes: Int32Array,
  weights: Float32Array,
): void {
  corners(r, g, b, nodes, weights);
  out[0] = out[1] = out[2] = 0;
  for (let k = 0; k < 8; k++) {
    const at = nodes[k] * 3;
    out[0] += weights[k] * lattice[at];
    out[1] += weights[k] * lattice[at + 1];
    out[2] += weights[k] * lattice[at + 2];
  }
}

/**
 * The luma (BT.601) of a colour after the map, for measuring a few regions of an output without
 * colour-mapping all of it.
 */
export function mappedLuma(map: ColourMap): (r: number, g: number, b: number) => number {
  const { curves, mix, residual } = map;
  const table = residual.some((v) => Math.abs(v) > 0.05) ? residualTable(residual) : null;
  const mapped = new Uint8ClampedArray(3);
  return (r, g, b) => {
    // The same sums, table and rounding as `recolour`, so a region read here matches the image it makes.
    const t = table ? ((((r + 4) >> 3) * TABLE + ((g + 4) >> 3)) * TABLE + ((b + 4) >> 3)) * 3 : -1;
    mapped[0] = curves[r] + mix[1] * g + mix[2] * b + (table ? table[t] : 0);
    mapped[1] = curves[256 + g] + mix[3] * r + mix[5] * b + (table ? table[t + 1] : 0);
    mapped[2] = curves[512 + b] + mix[6] * r + mix[7] * g + (table ? table[t + 2] : 0);
    return 0.299 * mapped[0] + 0.587 * mapped[1] + 0.114 * mapped[2];
  };
}

/** The global part of the map (curves and mix) applied to one colour, stored at `out[at…at+2]`. */
function applyGlobal(
  map: ColourMap,
  r: number,
  g: number,
  b: number,
  out: Uint8ClampedArray,
  at: number,
): void {
  const { curves, mix } = map;
  out[at] = curves[r] + mix[1] * g + mix[2] * b;
  out[at + 1] = curves[256 + g] + mix[3] * r + mix[5] * b;
  out[at + 2] = curves[512 + b] + mix[6] * r + mix[7] * g;
}

/** Robust fit of template channel `c` on the three output channels and the square of its own. */
function fitChannel(from: Float32Array, to: Float32Array, c: number): number[] | null {
  const n = from.length / 3;
  const weights = new Float32Array(n).fill(1);
  const errors = new Float32Array(n);
  const row = new Float64Array(5);
  let coeffs: number[] | null = null;
  for (let pass = 0; pass < 4; pass++) {
    let fitted: number[] | null = null;
    for (const terms of [5, 4]) {
      const a = Array.from({ length: terms }, () => new Float64Array(terms + 1));
      for (let k = 0; k < n; k++) {
        row[0] = 1;
        row[1] = from[k * 3];
        row[2] = from[k * 3 + 1];
        row[3] = from[k * 3 + 2];
        row[4] = from[k * 3 + c] * from[k * 3 + c];
        const w = weights[k];
        for (let i = 0; i < terms; i++) {
          for (let j = i; j < terms; j++) a[i][j] += w * row[i] * row[j];
          a[i][terms] += w * row[i] * to[k * 3 + c];
        }
      }
      for (let i = 0; i < terms; i++) for (let j = 0; j < i; j++) a[i][j] = a[j][i];
      const solved = solveSystem(a);
      if (!solved) continue;
      const full = terms === 5 ? solved : [...solved, 0];
      // Monotone in its own channel over 0–1: the slope at both ends stays positive.
      if (full[1 + c] <= 0 || full[1 + c] + 2 * full[4] <= 0) continue;
      fitted = full;
      break;
    }
    if (!fitted) return null;
    coeffs = fitted;
    for (let k = 0; k < n; k++) {
      const x = from[k * 3 + c];
      errors[k] =
        coeffs[0] +
        coeffs[1] * from[k * 3] +
        coeffs[2] * from[k * 3 + 1] +
        coeffs[3] * from[k * 3 + 2] +
        coeffs[4] * x * x -
        to[k * 3 + c];
    }
    const huber = 1.345 * Math.max(2, robustScale(errors));
    for (let k = 0; k < n; k++) {
      const e = Math.abs(errors[k]);
      weights[k] = e <= huber ? 1 : huber / e;
    }
  }
  if (!coeffs) return null;
  // Its own channel's slope at mid-grey, in grey levels per grey level.
  const own = (coeffs[1 + c] + coeffs[4]) / 255;
  return own > 0.25 && own < 4 ? coeffs : null;
}

/** Solves an augmented n×(n+1) system in place (Gauss–Jordan, partial pivoting); null when singular. */
function solveSystem(a: Float64Array[]): number[] | null {
  const n = a.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) < 1e-9) return null;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= n; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a.map((row, i) => row[n] / row[i]);
}

/**
 * The output warped into the template's frame at full resolution (bilinear) and passed through the
 * colour map, with a mask of the pixels the output covers (a shifted or zoomed-out output leaves a strip
 * it has no pixels for). With the identity transform the pixels are only colour-mapped.
 */
export function alignOutput(
  output: RgbImage,
  transform: Similarity,
  colourMap: ColourMap,
): { image: RgbImage; covered: Uint8Array } {
  const { width, height, pixels } = output;
  const identity = transform.a === 0 && transform.b === 0 && transform.tx === 0 && transform.ty === 0;
  if (identity)
    return { image: recolour(output, colourMap), covered: new Uint8Array(width * height).fill(1) };
  const warped = new Uint8ClampedArray(pixels.length);
  const covered = new Uint8Array(width * height);
  const frame = new Frame(width, height, width, height);
  const s = 1 + transform.a;
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    const u0 = frame.u(0);
    const v = frame.v(y);
    // The map is affine: step it along the row instead of recomputing it per pixel.
    let ox = frame.x(s * u0 - transform.b * v + transform.tx);
    let oy = frame.y(transform.b * u0 + s * v + transform.ty);
    for (let x = 0; x < width; x++, ox += s, oy += transform.b) {
      if (ox < 0 || oy < 0 || ox > width - 1 || oy > height - 1) continue;
      const x0 = Math.min(width - 2, ox | 0);
      const y0 = Math.min(height - 2, oy | 0);
      const fx = ox - x0;
      const fy = oy - y0;
      const i = (y0 * width + x0) * 3;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const p = (y * width + x) * 3;
      // Clamped bytes round on store.
      for (let c = 0; c < 3; c++) {
        warped[p + c] =
          pixels[i + c] * w00 +
          pixels[i + 3 + c] * w10 +
          pixels[i + stride + c] * w01 +
          pixels[i + stride + 3 + c] * w11;
      }
      covered[p / 3] = 1;
    }
  }
  return { image: recolour({ width, height, pixels: new Uint8Array(warped.buffer) }, colourMap), covered };
}

/** Nodes per axis of the table the residual lattice is expanded into for lookup (every 8 grey levels). */
const TABLE = 33;

/** The colour map applied to every pixel. */
function recolour({ width, height, pixels }: RgbImage, map: ColourMap): RgbImage {
  const { curves, mix, residual } = map;
  const [rg, rb, gr, gb, br, bg] = [mix[1], mix[2], mix[3], mix[5], mix[6], mix[7]];
  // Clamped bytes round and clamp on store, which the map's sums need.
  const out = new Uint8ClampedArray(pixels.length);
  const table = residual.some((v) => Math.abs(v) > 0.05) ? residualTable(residual) : null;
  for (let i = 0; i < pixels.length; i += 3) {
    const r = pixels[i];
    const g = pixels[i + 1];
    const b = pixels[i + 2];
    let er = 0;
    let eg = 0;
    let eb = 0;
    if (table) {
      const t = ((((r + 4) >> 3) * TABLE + ((g + 4) >> 3)) * TABLE + ((b + 4) >> 3)) * 3;
      er = table[t];
      eg = table[t + 1];
      eb = table[t + 2];
    }
    out[i] = curves[r] + rg * g + rb * b + er;
    out[i + 1] = curves[256 + g] + gr * r + gb * b + eg;
    out[i + 2] = curves[512 + b] + br * r + bg * g + eb;
  }
  return { width, height, pixels: new Uint8Array(out.buffer) };
}

/** The residual lattice read trilinearly at every 8th grey level of each channel, for nearest lookup. */
function residualTable(residual: Float32Array): Float32Array {
  const table = new Float32Array(TABLE ** 3 * 3);
  const value = new Float32Array(3);
  const nodes = new Int32Array(8);
  const weights = new Float32Array(8);
  for (let r = 0; r < TABLE; r++)
    for (let g = 0; g < TABLE; g++)
      for (let b = 0; b < TABLE; b++) {
        latticeAt(
          residual,
          Math.min(255, r * 8),
          Math.min(255, g * 8),
          Math.min(255, b * 8),
          value,
          nodes,
          weights,
        );
        table.set(value, ((r * TABLE + g) * TABLE + b) * 3);
      }
  return table;
}
