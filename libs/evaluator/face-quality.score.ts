import { LRUCache } from 'lru-cache';
import { preparedMap, recolourSpan, type ColourMap, type PreparedMap } from './colour-map';
import type { RgbImage } from '../faces/raster';
import { scratch } from './scratch';
import { CALIBRATION } from './score.calibration';

type Point = readonly [number, number, number];

/** MediaPipe FaceMesh indices of the points the face regions are built around. */
const MESH = {
  rightEyeOuter: 33,
  rightEyeInner: 133,
  leftEyeInner: 362,
  leftEyeOuter: 263,
  mouthRight: 61,
  mouthLeft: 291,
  rightCheek: 205,
  leftCheek: 425,
  forehead: 151,
} as const;

/** The raw quality measures of one face, each the output's over the template's at the same slot. */
export interface FaceQualityMeasures {
  /**
   * High-frequency energy at the features' own scale (cells of 1/16 of the eye distance), of the
   * poorest of the eyes and the mouth: below 1 is softer than the template (blur, a smeared redraw, an
   * eye painted over). Grain barely reaches this scale; it is `grain`'s to see.
   */
  detail: number;
  /** Luma spread of the poorest of the eyes and the mouth: a feature painted over or a ghost lowers it (+1 floor). */
  contrast: number;
  /**
   * High-frequency energy over plain skin (cheeks, forehead) at the pixel scale: grain raises it far
   * above the template's, blur takes it far below.
   */
  grain: number;
  /** Strength of an 8-pixel block grid over the face (strong JPEG): 1 for none, as in the template. */
  blocks: number;
}

/** A face to measure: its mesh in the output image and the template face's mesh in the template. */
export interface FaceQualityPair {
  output: readonly Point[];
  template: readonly Point[];
  /**
   * Names the template face (its case and slot): its own measures, which every output of the case is
   * compared with, are then taken once and kept (see `templateFaceStats`).
   */
  templateKey?: string;
}

/** See `CALIBRATION.quality.cellsPerEyeDistance`. */
const CELLS_PER_EYE_DISTANCE = CALIBRATION.quality.cellsPerEyeDistance;

/**
 * The quality of each swapped face relative to the template face it replaces (the output's colours read
 * through `outputColours`, the registration's colour map, when given), measured where a person
 * looks: each eye and the mouth (detail and contrast, the poorer feature counting), the plain skin
 * around them (grain), and the face as a whole (a JPEG block grid). Each face's regions come from its
 * own mesh, sized by its inter-ocular distance, so the measures hold when a redraw moves the face a
 * little. Relative to the template, a soft photo is not punished for being soft.
 */
export function measureFaceQuality(
  template: RgbImage,
  output: RgbImage,
  pairs: readonly FaceQualityPair[],
  outputColours?: ColourMap,
): FaceQualityMeasures[] {
  // Luma only where the faces are: the rest of the image is never read. A face's measures read only
  // its own window, so a template face's are the same whichever other faces share the plane.
  const kept = pairs.map((p) => (p.templateKey ? templateFaceStats.get(p.templateKey) : undefined));
  const missing = pairs.flatMap((p, i) => (kept[i] ? [] : [faceRegions(p.template)]));
  const t = missing.length > 0 ? planeOf(template, missing, null) : null;
  const outputRegions = pairs.map((p) => faceRegions(p.output));
  const o = planeOf(output, outputRegions, outputColours ? preparedMap(outputColours) : null);
  let next = 0;
  return pairs.map((pair, i) => {
    const ts = kept[i] ?? keep(pair.templateKey, faceStats(t!, missing[next++]));
    const os = faceStats(o, outputRegions[i]);
    // Grain over the features is no detail: where plain skin got grainier than the template's, the
    // features' energy is discounted by the square root of that excess (noise lends a faint eye energy
    // it does not have; the square root leaves most of a real face's texture alone).
    const grain = ratio(os.skin, ts.skin);
    const detail =
      Math.min(...os.features.map((f, i) => f.energy / ts.features[i].energy)) /
      Math.sqrt(Math.max(1, grain));
    const contrast = Math.min(...os.features.map((f, i) => f.spread / ts.features[i].spread));
    return { detail, contrast, grain, blocks: os.blocks / ts.blocks };
  });
}

/** Template faces' own measures by `FaceQualityPair.templateKey`, least recently used out first (per worker). */
const templateFaceStats = new LRUCache<string, FaceStats>({ max: 64 });

function keep(key: string | undefined, stats: FaceStats): FaceStats {
  if (key !== undefined) templateFaceStats.set(key, stats);
  return stats;
}

function ratio(a: number, b: number): number {
  // A floor under both keeps a flat template region from turning any texture into a huge ratio.
  return (a + 1) / (b + 1);
}

/**
 * Luma (BT.601) of the pixels each face's measures read (`gridReach`, `blockReach`), each row's colours
 * first mapped through `map` if given, on the smallest window of the image that holds them all
 * (elsewhere in the window, 0).
 */
function planeOf(image: RgbImage, faces: readonly FaceRegions[], map: PreparedMap | null): Plane {
  const { width, height, pixels } = image;
  const boxes = faces.map(({ features, skin, box, cell }) => {
    const reaches = [
      ...features.map((r) => gridReach(r, cell)),
      ...skin.map((r) => gridReach(r, 1)),
      blockReach(box),
    ];
    return {
      x0: Math.max(0, Math.min(...reaches.map((r) => r[0]))),
      y0: Math.max(0, Math.min(...reaches.map((r) => r[1]))),
      x1: Math.min(width, Math.max(...reaches.map((r) => r[2]))),
      y1: Math.min(height, Math.max(...reaches.map((r) => r[3]))),
    };
  });
  const left = Math.min(width, ...boxes.map((b) => b.x0));
  const top = Math.min(height, ...boxes.map((b) => b.y0));
  const stride = Math.max(0, Math.max(left, ...boxes.map((b) => b.x1)) - left);
  const rows = Math.max(0, Math.max(top, ...boxes.map((b) => b.y1)) - top);
  const luma = scratch.float32(stride * rows);
  for (const { x0, x1, y0, y1 } of boxes) {
    // The mapped row, as an aligned image would hold it (the same sums and rounding).
    const row = map ? new Uint8ClampedArray(Math.max(0, x1 - x0) * 3) : null;
    for (let y = y0; y < y1; y++) {
      const start = (y * width + x0) * 3;
      let from: Uint8Array | Uint8ClampedArray = pixels;
      let j = start;
      if (row) {
        recolourSpan(map!, pixels, row, start, start + row.length, 0);
        from = row;
        j = 0;
      }
      for (let x = x0, i = (y - top) * stride + x0 - left; x < x1; x++, i++, j += 3)
        luma[i] = 0.299 * from[j] + 0.587 * from[j + 1] + 0.114 * from[j + 2];
    }
  }
  return { luma, width, height, left, top, stride, rows };
}

/** The pixels `gridStats` reads for a region, as [x0, y0, x1, y1) (before clamping to the image). */
function gridReach(region: Region, cell: number): Region {
  const [rx, ry] = region;
  const { cols, rows } = gridSize(region, cell);
  return [Math.floor(rx), Math.floor(ry), Math.floor(rx + cols * cell) + 1, Math.floor(ry + rows * cell) + 1];
}

/** The pixels `blockGrid` reads for a region, as [x0, y0, x1, y1) (before clamping to the image). */
function blockReach([rx, ry, rw, rh]: Region): Region {
  return [Math.floor(rx), Math.floor(ry), Math.ceil(rx + rw) + 1, Math.ceil(ry + rh) + 1];
}

/** Luma over a window of an image: the pixel (x, y) is at `luma[(y - top) * stride + x - left]`. */
interface Plane {
  luma: Float32Array;
  /** The image's size. */
  width: number;
  height: number;
  left: number;
  top: number;
  stride: number;
  rows: number;
}

type Region = [number, number, number, number];

type FaceStats = ReturnType<typeof faceStats>;

/** Where a face's measures look, in its image's pixels. */
interface FaceRegions {
  /** The features' sampling cell (see `CELLS_PER_EYE_DISTANCE`). */
  cell: number;
  /** The eyes and the mouth. */
  features: Region[];
  /** Plain skin: the cheeks and the forehead. */
  skin: Region[];
  /** The mesh's box: the face as a whole. */
  box: Region;
}

function faceRegions(mesh: readonly Point[]): FaceRegions {
  const p = (name: keyof typeof MESH) => mesh[MESH[name]];
  const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const d = Math.max(4, dist(p('leftEyeOuter'), p('rightEyeOuter')));
  const around = (a: Point, b: Point | null, w: number, h: number): Region => {
    const cx = b ? (a[0] + b[0]) / 2 : a[0];
    const cy = b ? (a[1] + b[1]) / 2 : a[1];
    return [cx - w / 2, cy - h / 2, w, h];
  };
  const mouthWidth = dist(p('mouthLeft'), p('mouthRight'));
  const xs = mesh.slice(0, 468).map((q) => q[0]);
  const ys = mesh.slice(0, 468).map((q) => q[1]);
  return {
    // Never finer than 2 pixels: at the pixel scale itself any resampling reads as lost detail.
    cell: Math.max(2, d / CELLS_PER_EYE_DISTANCE),
    features: [
      around(p('rightEyeOuter'), p('rightEyeInner'), 0.55 * d, 0.35 * d),
      around(p('leftEyeOuter'), p('leftEyeInner'), 0.55 * d, 0.35 * d),
      around(p('mouthRight'), p('mouthLeft'), Math.max(0.45 * d, 1.25 * mouthWidth), 0.4 * d),
    ],
    skin: [
      around(p('rightCheek'), null, 0.3 * d, 0.3 * d),
      around(p('leftCheek'), null, 0.3 * d, 0.3 * d),
      around(p('forehead'), null, 0.4 * d, 0.25 * d),
    ],
    box: [
      Math.min(...xs),
      Math.min(...ys),
      Math.max(...xs) - Math.min(...xs),
      Math.max(...ys) - Math.min(...ys),
    ],
  };
}

function faceStats(plane: Plane, { cell, features, skin, box }: FaceRegions) {
  const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    features: features
      .map((r) => gridStats(plane, r, cell))
      .map((f) => ({ energy: f.energy + 1, spread: f.spread + 1 })),
    skin: meanOf(skin.map((r) => gridStats(plane, r, 1).energy)),
    blocks: blockGrid(plane, box),
  };
}

/** The grid a region is sampled on with `cell`-pixel cells: at least 3 × 3. */
function gridSize([, , rw, rh]: Region, cell: number): { cols: number; rows: number } {
  return { cols: Math.max(3, Math.round(rw / cell)), rows: Math.max(3, Math.round(rh / cell)) };
}

/**
 * Over a region sampled on a grid of `cell`-pixel cells (each the mean of the pixels it covers): the
 * mean squared Laplacian of the grid and the standard deviation of its values.
 */
function gridStats(plane: Plane, region: Region, cell: number): { energy: number; spread: number } {
  const [rx, ry] = region;
  const { cols, rows } = gridSize(region, cell);
  const grid = new Float32Array(cols * rows);
  for (let gy = 0; gy < rows; gy++) {
    for (let gx = 0; gx < cols; gx++) {
      const x0 = Math.max(0, Math.min(plane.width - 1, Math.floor(rx + gx * cell)));
      const y0 = Math.max(0, Math.min(plane.height - 1, Math.floor(ry + gy * cell)));
      const x1 = Math.max(x0 + 1, Math.min(plane.width, Math.floor(rx + (gx + 1) * cell)));
      const y1 = Math.max(y0 + 1, Math.min(plane.height, Math.floor(ry + (gy + 1) * cell)));
      let sum = 0;
      // Pixels outside the plane's window read 0 (the regions lie within it; this keeps it exact if not).
      const [wx0, wx1] = [Math.max(x0, plane.left), Math.min(x1, plane.left + plane.stride)];
      const [wy0, wy1] = [Math.max(y0, plane.top), Math.min(y1, plane.top + plane.rows)];
      for (let y = wy0; y < wy1; y++) {
        const row = (y - plane.top) * plane.stride - plane.left;
        for (let x = wx0; x < wx1; x++) sum += plane.luma[row + x];
      }
      grid[gy * cols + gx] = sum / ((x1 - x0) * (y1 - y0));
    }
  }
  let lap = 0;
  let n = 0;
  for (let y = 1; y < rows - 1; y++) {
    for (let x = 1; x < cols - 1; x++) {
      const i = y * cols + x;
      const l = 4 * grid[i] - grid[i - 1] - grid[i + 1] - grid[i - cols] - grid[i + cols];
      lap += l * l;
      n++;
    }
  }
  let sum = 0;
  let sq = 0;
  for (const v of grid) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / grid.length;
  return { energy: lap / Math.max(1, n), spread: Math.sqrt(Math.max(0, sq / grid.length - mean * mean)) };
}

/**
 * How strongly an 8-pixel grid shows in the region: the mean absolute step between neighbours at each
 * of the 8 phases of the columns (and of the rows), the strongest phase over the mean of all. Phase-free,
 * so a grid the alignment shifted is still seen; about 1.1–1.3 for a photo, well above under strong JPEG.
 */
function blockGrid(plane: Plane, [rx, ry, rw, rh]: Region): number {
  const x0 = Math.max(0, Math.floor(rx));
  const y0 = Math.max(0, Math.floor(ry));
  const x1 = Math.min(plane.width - 1, Math.ceil(rx + rw));
  const y1 = Math.min(plane.height - 1, Math.ceil(ry + rh));
  const cols = new Float64Array(8);
  const rows = new Float64Array(8);
  // Within the plane's window (see `blockReach`): read straight from it.
  const { luma, stride, left, top } = plane;
  for (let y = y0; y < y1; y++) {
    const row = (y - top) * stride - left;
    for (let x = x0; x < x1; x++) {
      const here = luma[row + x];
      cols[x & 7] += Math.abs(luma[row + x + 1] - here);
      rows[y & 7] += Math.abs(luma[row + stride + x] - here);
    }
  }
  const peak = (phases: Float64Array) => {
    const total = phases.reduce((a, b) => a + b, 0);
    return total > 0 ? (8 * Math.max(...phases)) / total : 1;
  };
  return (peak(cols) + peak(rows)) / 2;
}
