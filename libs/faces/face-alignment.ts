import { shrink } from './raster';

/**
 * Aligns a face for an identity model of the ArcFace class: five landmarks (eye centres, nose tip,
 * mouth corners) taken from the face mesh are mapped by a least-squares similarity transform onto the
 * standard 112 × 112 template, and the face is resampled there.
 */

/** A point in image pixels. */
export type Point = [number, number];

/**
 * The five points of the standard ArcFace template in a 112 × 112 crop, in image order: the eye on the
 * image's left, the eye on its right, the nose tip, the mouth corner on the left, on the right.
 */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/** Side of the aligned crop, in pixels. */
export const ALIGNED_SIDE = 112;

/**
 * MediaPipe FaceMesh indices (Human's 468-point mesh) of the five points: each eye is the mean of its
 * two corners (steadier than the iris on small faces, and where the eye is half closed), the nose tip,
 * and the mouth's corners.
 */
const EYE_ON_LEFT = [33, 133];
const EYE_ON_RIGHT = [362, 263];
const NOSE_TIP = 1;
const MOUTH_LEFT = 61;
const MOUTH_RIGHT = 291;

/** The five alignment points of a face, from its mesh (`[x, y, z]` per point, image pixels). */
export function fivePoints(mesh: ReadonlyArray<readonly number[]>): Point[] {
  const mean = (indices: number[]): Point => [
    indices.reduce((s, i) => s + mesh[i][0], 0) / indices.length,
    indices.reduce((s, i) => s + mesh[i][1], 0) / indices.length,
  ];
  return [mean(EYE_ON_LEFT), mean(EYE_ON_RIGHT), mean([NOSE_TIP]), mean([MOUTH_LEFT]), mean([MOUTH_RIGHT])];
}

/**
 * The similarity transform (uniform scale, rotation, shift; no reflection) that maps `from` onto `to`
 * with the least squared error: `[a, b, tx, ty]` for x' = a·x − b·y + tx, y' = b·x + a·y + ty.
 */
export function fitSimilarity(
  from: readonly Point[],
  to: readonly Point[],
): [number, number, number, number] {
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i][0] / n;
    fy += from[i][1] / n;
    tx += to[i][0] / n;
    ty += to[i][1] / n;
  }
  // With both point sets centred, a and b have a closed form (the 2-D case of Umeyama's method).
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const x = from[i][0] - fx;
    const y = from[i][1] - fy;
    const u = to[i][0] - tx;
    const v = to[i][1] - ty;
    dot += x * u + y * v;
    cross += x * v - y * u;
    norm += x * x + y * y;
  }
  if (norm === 0) throw new Error('Face alignment needs points that are not all in one place');
  const a = dot / norm;
  const b = cross / norm;
  return [a, b, tx - (a * fx - b * fy), ty - (b * fx + a * fy)];
}

/**
 * The face whose five points are `points`, resampled onto the template, as the model's input: planar
 * RGB (channel, row, column), each value (v − 127.5) / 128. `pixels` is packed RGB, `width` × `height`.
 * A face more than twice the crop's size is first shrunk by a whole factor (box means over the part of
 * the image the crop covers), then each crop pixel averages a grid of bilinear samples as wide as the
 * source pixels it covers: no aliasing, and a small face is enlarged smoothly. Outside the image counts
 * as its nearest edge pixel.
 */
export function alignedFaceTensor(
  pixels: Uint8Array,
  width: number,
  height: number,
  points: readonly Point[],
): Float32Array {
  // The crop → image transform: fitted from the template onto the image's points.
  let [a, b, tx, ty] = fitSimilarity(ARCFACE_TEMPLATE, points);
  const side = ALIGNED_SIDE;
  const factor = Math.floor(Math.hypot(a, b));
  let source = { width, height, pixels };
  if (factor >= 2) {
    const corners = [
      [0, 0],
      [side, 0],
      [0, side],
      [side, side],
    ].map(([u, v]) => [a * u - b * v + tx, b * u + a * v + ty]);
    const clampX = (x: number) => Math.min(width, Math.max(0, x));
    const clampY = (y: number) => Math.min(height, Math.max(0, y));
    const x0 = Math.floor(clampX(Math.min(...corners.map((c) => c[0])) - factor));
    const y0 = Math.floor(clampY(Math.min(...corners.map((c) => c[1])) - factor));
    const x1 = Math.ceil(clampX(Math.max(...corners.map((c) => c[0])) + factor));
    const y1 = Math.ceil(clampY(Math.max(...corners.map((c) => c[1])) + factor));
    if (x1 - x0 >= factor && y1 - y0 >= factor) {
      source = shrink({ width, height, pixels }, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, factor);
      // A shrunk pixel i covers source pixels x0 + i·f … x0 + (i + 1)·f − 1: its centre is there.
      const shift = (factor - 1) / 2;
      [a, b, tx, ty] = [a / factor, b / factor, (tx - x0 - shift) / factor, (ty - y0 - shift) / factor];
    }
  }
  return resample(source, [a, b, tx, ty]);
}

/** The crop through the similarity `[a, b, tx, ty]` (crop → image), as `alignedFaceTensor` returns it. */
function resample(
  { width, height, pixels }: { width: number; height: number; pixels: Uint8Array },
  [a, b, tx, ty]: [number, number, number, number],
): Float32Array {
  const side = ALIGNED_SIDE;
  const plane = side * side;
  const taps = Math.max(1, Math.ceil(Math.hypot(a, b)));
  const out = new Float32Array(3 * plane);
  const sum = new Float64Array(3);
  const sample = (x: number, y: number) => {
    const cx = Math.min(Math.max(x, 0), width - 1);
    const cy = Math.min(Math.max(y, 0), height - 1);
    const x0 = Math.floor(cx);
    const y0 = Math.floor(cy);
    const x1 = Math.min(x0 + 1, width - 1);
    const y1 = Math.min(y0 + 1, height - 1);
    const fx = cx - x0;
    const fy = cy - y0;
    const i00 = (y0 * width + x0) * 3;
    const i01 = (y0 * width + x1) * 3;
    const i10 = (y1 * width + x0) * 3;
    const i11 = (y1 * width + x1) * 3;
    for (let c = 0; c < 3; c++) {
      const top = pixels[i00 + c] + (pixels[i01 + c] - pixels[i00 + c]) * fx;
      const bottom = pixels[i10 + c] + (pixels[i11 + c] - pixels[i10 + c]) * fx;
      sum[c] += top + (bottom - top) * fy;
    }
  };
  const weight = 1 / (taps * taps);
  for (let row = 0; row < side; row++) {
    for (let col = 0; col < side; col++) {
      sum.fill(0);
      for (let j = 0; j < taps; j++) {
        const v = row + (j + 0.5) / taps - 0.5;
        for (let i = 0; i < taps; i++) {
          const u = col + (i + 0.5) / taps - 0.5;
          sample(a * u - b * v + tx, b * u + a * v + ty);
        }
      }
      const at = row * side + col;
      for (let c = 0; c < 3; c++) out[c * plane + at] = (sum[c] * weight - 127.5) / 128;
    }
  }
  return out;
}
