import type { RgbImage } from '../faces/raster';
import { Frame, type Similarity } from './frame';
import { robustScale } from './robust-scale';
import { scratch } from './scratch';
import { CALIBRATION } from './score.calibration';

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
  /** The lattice expanded for lookup (see `residualTable`), made once with it; null when it corrects nothing. */
  table: Float32Array | null;
}

/** The map that changes nothing. */
export function identityColourMap(): ColourMap {
  const curves = new Float32Array(768);
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) curves[c * 256 + v] = v;
  return {
    curves,
    mix: [0, 0, 0, 0, 0, 0, 0, 0, 0],
    residual: new Float32Array(LATTICE ** 3 * 3),
    table: null,
  };
}

/** Whether the map changes nothing (see `identityColourMap`). */
export function isIdentityColourMap({ curves, mix, residual }: ColourMap): boolean {
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) if (curves[c * 256 + v] !== v) return false;
  return mix.every((m) => m === 0) && residual.every((r) => r === 0);
}

const {
  samples: COLOUR_SAMPLES,
  lattice: LATTICE,
  latticePrior: LATTICE_PRIOR,
  table: TABLE,
} = CALIBRATION.colourMap;

/**
 * The colour map, output → template, fitted on the aligned background: per output channel, an offset,
 * a linear share of all three input channels and a bend of its own (a re-grade: gain, white balance,
 * saturation, a gamma-like curve), robustly (Huber), so changed regions the mask missed pull it little.
 * The bend is dropped when it would not be monotone over 0–255, and the identity kept when the fit is
 * implausible.
 */
export function fitColourMap(
  template: RgbImage,
  output: RgbImage,
  mask: Uint8Array,
  frame: Frame,
  t: Similarity,
): ColourMap {
  const { width, height } = frame;
  const stride = Math.max(1, Math.floor((width * height) / (COLOUR_SAMPLES * 2)));
  const from = scratch.float32(COLOUR_SAMPLES * 3);
  const to = scratch.float32(COLOUR_SAMPLES * 3);
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
  map.table = map.residual.some((v) => Math.abs(v) > 0.05) ? residualTable(map.residual) : null;
  return map;
}

const f32 = Math.fround;

const LATTICE_STEP = 255 / (LATTICE - 1);

/**
 * What the global map leaves over, as a function of colour: a re-grade that bends some colours more than
 * others (saturation, a hue shift in the shadows) leaves residuals the per-channel model cannot take.
 * They are averaged onto a coarse RGB lattice (trilinear weights, robustly), and read back trilinearly.
 * For an output whose background is unchanged they are all 0.
 */
function fitResidual(map: ColourMap, from: Float32Array, to: Float32Array): void {
  const n = from.length / 3;
  const residuals = scratch.float32(n * 3);
  const pixel = new Uint8ClampedArray(3);
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
  const weights = scratch.float32(n).fill(1);
  const magnitude = scratch.float32(n);
  // Each sample's lattice corners and weights, found once for both passes and the reading between.
  const sampleNodes = scratch.int32(n * 8);
  const sampleWeights = scratch.float32(n * 8);
  for (let k = 0; k < n; k++)
    corners(
      from[k * 3] * 255,
      from[k * 3 + 1] * 255,
      from[k * 3 + 2] * 255,
      sampleNodes,
      sampleWeights,
      k * 8,
    );
  const { residual } = map;
  for (let pass = 0; pass < 2; pass++) {
    const sum = scratch.float32(LATTICE ** 3 * 3);
    const weight = scratch.float32(LATTICE ** 3);
    for (let k = 0; k < n; k++) {
      const weightK = weights[k];
      const r0 = residuals[k * 3];
      const r1 = residuals[k * 3 + 1];
      const r2 = residuals[k * 3 + 2];
      for (let j = k * 8; j < k * 8 + 8; j++) {
        const node = sampleNodes[j];
        const w = sampleWeights[j] * weightK;
        weight[node] += w;
        sum[node * 3] += w * r0;
        sum[node * 3 + 1] += w * r1;
        sum[node * 3 + 2] += w * r2;
      }
    }
    for (let node = 0; node < weight.length; node++)
      for (let c = 0; c < 3; c++) residual[node * 3 + c] = sum[node * 3 + c] / (weight[node] + LATTICE_PRIOR);
    if (pass === 1) break;
    // Samples the lattice does not explain (a changed region the mask missed) count less the second time.
    for (let k = 0; k < n; k++) {
      // The lattice read at the sample (single-precision sums).
      let f0 = 0;
      let f1 = 0;
      let f2 = 0;
      for (let j = k * 8; j < k * 8 + 8; j++) {
        const at = sampleNodes[j] * 3;
        const w = sampleWeights[j];
        f0 = f32(f0 + w * residual[at]);
        f1 = f32(f1 + w * residual[at + 1]);
        f2 = f32(f2 + w * residual[at + 2]);
      }
      magnitude[k] = Math.max(
        Math.abs(residuals[k * 3] - f0),
        Math.abs(residuals[k * 3 + 1] - f1),
        Math.abs(residuals[k * 3 + 2] - f2),
      );
    }
    const huber = 1.345 * Math.max(2, robustScale(magnitude));
    for (let k = 0; k < n; k++) weights[k] = magnitude[k] <= huber ? 1 : huber / magnitude[k];
  }
}

/** The 8 lattice nodes around a colour and their trilinear weights, written into `nodes` and `weights` from `at`. */
function corners(
  r: number,
  g: number,
  b: number,
  nodes: Int32Array,
  weights: Float32Array,
  at: number,
): void {
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
    weights[at + corner] = (cr ? dr : 1 - dr) * (cg ? dg : 1 - dg) * (cb ? db : 1 - db);
    nodes[at + corner] = ((ir + cr) * LATTICE + (ig + cg)) * LATTICE + (ib + cb);
  }
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
  const weights = scratch.float32(n).fill(1);
  const errors = scratch.float32(n);
  let coeffs: number[] | null = null;
  for (let pass = 0; pass < 4; pass++) {
    // The weighted normal equations of the five terms (1, r, g, b, own²), summed sample by sample; the
    // four-term fallback's are their first four rows and columns.
    const sums = normalSums(from, to, weights, c);
    let fitted: number[] | null = null;
    for (const terms of [5, 4]) {
      const a = Array.from({ length: terms }, (_, i) => {
        const rowOf = new Float64Array(terms + 1);
        for (let j = 0; j < terms; j++) rowOf[j] = sums[Math.min(i, j) * 5 + Math.max(i, j)];
        rowOf[terms] = sums[25 + i];
        return rowOf;
      });
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

/**
 * Σ w·xᵢ·xⱼ over the samples for the terms x = (1, r, g, b, own²) at `i * 5 + j` (i ≤ j), and Σ w·xᵢ·to
 * at `25 + i`: each sum taken in sample order with the products grouped as (w·xᵢ)·xⱼ, one pass for all.
 */
function normalSums(from: Float32Array, to: Float32Array, weights: Float32Array, c: number): Float64Array {
  let s00 = 0,
    s01 = 0,
    s02 = 0,
    s03 = 0,
    s04 = 0;
  let s11 = 0,
    s12 = 0,
    s13 = 0,
    s14 = 0;
  let s22 = 0,
    s23 = 0,
    s24 = 0;
  let s33 = 0,
    s34 = 0;
  let s44 = 0;
  let t0 = 0,
    t1 = 0,
    t2 = 0,
    t3 = 0,
    t4 = 0;
  for (let k = 0, n = weights.length; k < n; k++) {
    const x1 = from[k * 3];
    const x2 = from[k * 3 + 1];
    const x3 = from[k * 3 + 2];
    const x4 = from[k * 3 + c] * from[k * 3 + c];
    const y = to[k * 3 + c];
    const w = weights[k];
    // x0 is 1: w·1·xⱼ, grouped as (w·1)·xⱼ like the others.
    const w0 = w * 1;
    s00 += w0 * 1;
    s01 += w0 * x1;
    s02 += w0 * x2;
    s03 += w0 * x3;
    s04 += w0 * x4;
    t0 += w0 * y;
    const w1 = w * x1;
    s11 += w1 * x1;
    s12 += w1 * x2;
    s13 += w1 * x3;
    s14 += w1 * x4;
    t1 += w1 * y;
    const w2 = w * x2;
    s22 += w2 * x2;
    s23 += w2 * x3;
    s24 += w2 * x4;
    t2 += w2 * y;
    const w3 = w * x3;
    s33 += w3 * x3;
    s34 += w3 * x4;
    t3 += w3 * y;
    const w4 = w * x4;
    s44 += w4 * x4;
    t4 += w4 * y;
  }
  const sums = new Float64Array(30);
  sums.set([s00, s01, s02, s03, s04], 0);
  sums.set([s11, s12, s13, s14], 6);
  sums.set([s22, s23, s24], 12);
  sums.set([s33, s34], 18);
  sums[24] = s44;
  sums.set([t0, t1, t2, t3, t4], 25);
  return sums;
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

/** A colour map ready to apply: its mix terms and its residual lattice expanded into a table (if any). */
export interface PreparedMap {
  curves: Float32Array;
  mix: [rg: number, rb: number, gr: number, gb: number, br: number, bg: number];
  table: Float32Array | null;
}

export function preparedMap({ curves, mix, table }: ColourMap): PreparedMap {
  return { curves, mix: [mix[1], mix[2], mix[3], mix[5], mix[6], mix[7]], table };
}

/**
 * The map applied to the colours at `from[start…end)` (a multiple of 3), stored in `out` from `at`
 * (by default the same places; `out` may be `from` itself): clamped bytes round and clamp on store,
 * which the map's sums need.
 */
export function recolourSpan(
  { curves, mix, table }: PreparedMap,
  from: Uint8Array | Uint8ClampedArray,
  out: Uint8ClampedArray,
  start: number,
  end: number,
  at = start,
): void {
  const [rg, rb, gr, gb, br, bg] = mix;
  for (let i = start, o = at; i < end; i += 3, o += 3) {
    const r = from[i];
    const g = from[i + 1];
    const b = from[i + 2];
    let er = 0;
    let eg = 0;
    let eb = 0;
    if (table) {
      const t = ((((r + 4) >> 3) * TABLE + ((g + 4) >> 3)) * TABLE + ((b + 4) >> 3)) * 3;
      er = table[t];
      eg = table[t + 1];
      eb = table[t + 2];
    }
    out[o] = curves[r] + rg * g + rb * b + er;
    out[o + 1] = curves[256 + g] + gr * r + gb * b + eg;
    out[o + 2] = curves[512 + b] + br * r + bg * g + eb;
  }
}

/**
 * The residual lattice read trilinearly at every 8th grey level of each channel, for nearest lookup.
 * Trilinear reading is separable: the lattice is read along blue, that along green, and that along red.
 */
function residualTable(residual: Float32Array): Float32Array {
  const cell = new Int32Array(TABLE);
  const fraction = new Float64Array(TABLE);
  for (let v = 0; v < TABLE; v++) {
    const f = Math.min(LATTICE - 1.000001, Math.min(255, v * 8) / LATTICE_STEP);
    cell[v] = f | 0;
    fraction[v] = f - (f | 0);
  }
  const row = TABLE * 3;
  const alongBlue = new Float64Array(LATTICE * LATTICE * row);
  for (let rg = 0; rg < LATTICE * LATTICE; rg++)
    for (let b = 0; b < TABLE; b++) {
      const at = (rg * LATTICE + cell[b]) * 3;
      const d = fraction[b];
      for (let c = 0; c < 3; c++)
        alongBlue[rg * row + b * 3 + c] = (1 - d) * residual[at + c] + d * residual[at + 3 + c];
    }
  const alongGreen = new Float64Array(LATTICE * TABLE * row);
  for (let r = 0; r < LATTICE; r++)
    for (let g = 0; g < TABLE; g++)
      lerpRows(alongBlue, (r * LATTICE + cell[g]) * row, row, fraction[g], alongGreen, (r * TABLE + g) * row);
  // In shared memory: the map goes from the registration's worker to the measures' through the event
  // loop, and its 430-KB table is then never copied.
  const table = new Float32Array(new SharedArrayBuffer(TABLE * TABLE * row * 4));
  const plane = TABLE * row;
  for (let r = 0; r < TABLE; r++) lerpRows(alongGreen, cell[r] * plane, plane, fraction[r], table, r * plane);
  return table;
}

/** `out[at…at+n)` = (1 − d)·`from[lo…lo+n)` + d·`from[lo+n…lo+2n)`: between two neighbouring rows. */
function lerpRows(
  from: Float64Array,
  lo: number,
  n: number,
  d: number,
  out: Float64Array | Float32Array,
  at: number,
): void {
  for (let i = 0; i < n; i++) out[at + i] = (1 - d) * from[lo + i] + d * from[lo + n + i];
}
