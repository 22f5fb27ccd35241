import type { FaceBox } from '../faces/face.types';
import type { RgbImage } from '../faces/raster';
import type { Frame } from './frame';
import { scratch } from './scratch';
import { CALIBRATION } from './score.calibration';

/**
 * The template's side of one level of the pyramid: its background samples (textured background pixels),
 * each with its template value, u, v, and the steepest-descent row (4 values). It depends on the template
 * and the mask alone, so one case's items share it (in ordinary memory, not `scratch`).
 */
export interface TemplateLevel {
  frame: Frame;
  t: Float32Array;
  u: Float32Array;
  v: Float32Array;
  sd: Float32Array;
}

/** One level of the pyramid: the template's side, and the output's smoothed luma at that level. */
export interface Level extends TemplateLevel {
  output: Float32Array;
}

export function lumaOf({ width, height, pixels }: RgbImage): Float32Array {
  const out = scratch.float32(width * height);
  for (let i = 0, j = 0; i < out.length; i++, j += 3)
    out[i] = 0.299 * pixels[j] + 0.587 * pixels[j + 1] + 0.114 * pixels[j + 2];
  return out;
}

/** 1 where a pixel of the working image lies outside every excluded box and away from the border. */
export function backgroundMask(frame: Frame, exclude: FaceBox[]): Uint8Array {
  const { width, height, fullWidth, fullHeight } = frame;
  const mask = scratch.uint8(width * height);
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

/** The template's side of the pyramid, finest level first (see `TemplateLevel`). */
export function templatePyramid(template: Float32Array, mask: Uint8Array, frame: Frame): TemplateLevel[] {
  const levels: TemplateLevel[] = [];
  let t = smooth(template, frame.width, frame.height);
  let m = mask;
  let f = frame;
  for (;;) {
    levels.push(level(f, t, m));
    if (Math.max(f.width, f.height) / 2 < MIN_LEVEL_SIDE) return levels;
    const next = f.halved();
    t = halve(t, f, next);
    m = halveMask(m, f, next);
    f = next;
  }
}

/** The template's pyramid with the output's luma smoothed and halved alongside, level by level. */
export function withOutput(levels: TemplateLevel[], output: Float32Array): Level[] {
  let o = smooth(output, levels[0].frame.width, levels[0].frame.height);
  return levels.map((level, i) => {
    if (i > 0) o = halve(o, levels[i - 1].frame, level.frame);
    return { ...level, output: o };
  });
}

/** A 3×3 binomial smoothing: Lucas–Kanade's linearisation holds over a wider range on smooth images. */
function smooth(map: Float32Array, width: number, height: number): Float32Array {
  const tmp = scratch.float32(map.length);
  const out = scratch.float32(map.length);
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
  const out = scratch.float32(to.width * to.height);
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
  const out = scratch.uint8(to.width * to.height);
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

const { maxSamples: MAX_SAMPLES, minLevelSide: MIN_LEVEL_SIDE } = CALIBRATION.registration;

function level(frame: Frame, template: Float32Array, mask: Uint8Array): TemplateLevel {
  const { width, height } = frame;
  const gx = scratch.float32(width * height);
  const gy = scratch.float32(width * height);
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
  const chosen = scratch.int32(Math.ceil(kept / stride) + 1);
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
  return { frame, t, u, v, sd };
}
