import type { FaceBox } from '../faces/face.types';
import { rectAround, sameInRect, type Rect, type RgbImage } from '../faces/raster';
import { scratch } from './scratch';
import { CALIBRATION } from './score.calibration';

/** What the background of an aligned output measures against the template's. */
export interface BackgroundMeasures {
  /** Mean SSIM (1 when there is no background). */
  ssim: number;
  /** Mean absolute colour difference per channel, grey levels. */
  colourDiff: number;
  /** Median change (see `changeMap`), grey levels: the output's own noise floor. */
  change: number;
  /** Background pixels measured. */
  pixels: number;
}

/**
 * The background is measured on at most this many pixels: a smaller image whole, a larger one on
 * `TILE`-pixel tiles spread evenly over it. Each sampled pixel's value is the whole image's; only the
 * set of pixels averaged is smaller (docs/score.md, "Speed", gives what that moves).
 */
export const BACKGROUND_SAMPLE_PIXELS = CALIBRATION.background.samplePixels;
const { tile: TILE, ssimRadius: SSIM_RADIUS } = CALIBRATION.background;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

/**
 * SSIM (luma, 7×7 box windows, the usual constants for 8-bit images), mean absolute colour difference
 * and median change of the background: the pixels `covered` by the output and in none of the
 * `excluded` boxes. One pass per tile over the packed bytes.
 */
export function measureBackground(
  template: RgbImage,
  output: RgbImage,
  excluded: FaceBox[],
  covered: Uint8Array,
  smoothRadius: number,
  samplePixels = BACKGROUND_SAMPLE_PIXELS,
): BackgroundMeasures {
  const { width, height } = template;
  const tiles = backgroundTiles(width, height, samplePixels);
  const excludedRects = excluded.map((b) => rectAround(b, 0, width, height));
  const tally = new Tally(template, output, tiles, smoothRadius);
  for (const tile of tiles)
    tally.add(tile, backgroundWeight(tile, excludedRects, covered, width, tally.weight));
  return tally.result();
}

/** The whole image when it is small enough, else `TILE`-pixel tiles on an even grid (see `BACKGROUND_SAMPLE_PIXELS`). */
export function backgroundTiles(width: number, height: number, samplePixels: number): Rect[] {
  if (width * height <= samplePixels) return [{ x: 0, y: 0, width, height }];
  const pitch = TILE * Math.sqrt((width * height) / samplePixels);
  const along = (size: number) => {
    const count = Math.max(1, Math.floor(size / pitch));
    const side = Math.min(TILE, size);
    return Array.from({ length: count }, (_, i) => ({
      at: Math.max(0, Math.min(size - side, Math.round(((i + 0.5) * size) / count - side / 2))),
      side,
    }));
  };
  return along(height).flatMap((row) =>
    along(width).map((col) => ({ x: col.at, y: row.at, width: col.side, height: row.side })),
  );
}

/**
 * Sets `weight` (a tile's size or more) to 1 at the tile's pixels that the output covers and no
 * excluded box holds, else 0; returns whether any is 1.
 */
function backgroundWeight(
  tile: Rect,
  excluded: Rect[],
  covered: Uint8Array,
  imageWidth: number,
  weight: Uint8Array,
): boolean {
  for (let y = 0, i = 0; y < tile.height; y++) {
    for (let x = 0, j = (tile.y + y) * imageWidth + tile.x; x < tile.width; x++) weight[i++] = covered[j++];
  }
  for (const r of excluded) {
    const x0 = Math.max(r.x, tile.x) - tile.x;
    const x1 = Math.min(r.x + r.width, tile.x + tile.width) - tile.x;
    if (x1 <= x0) continue;
    for (let y = Math.max(r.y, tile.y); y < Math.min(r.y + r.height, tile.y + tile.height); y++)
      weight.fill(0, (y - tile.y) * tile.width + x0, (y - tile.y) * tile.width + x1);
  }
  for (let i = 0; i < tile.width * tile.height; i++) if (weight[i]) return true;
  return false;
}

/**
 * The running sums over the tiles, with working buffers sized once for the largest tile (allocating
 * typed arrays per tile costs more than measuring it).
 */
class Tally {
  private ssim = 0;
  private colour = 0;
  private pixels = 0;
  private changed = 0;
  private readonly changes: Float32Array;
  readonly weight: Uint8Array;
  private readonly la: Float32Array;
  private readonly lb: Float32Array;
  private readonly rows: Float64Array[];
  /** Signed output − template difference of each channel over the crop. */
  private readonly diffs: Int16Array;

  constructor(
    private readonly template: RgbImage,
    private readonly output: RgbImage,
    tiles: Rect[],
    private readonly smoothRadius: number,
  ) {
    const margin = Math.max(SSIM_RADIUS, smoothRadius);
    const largest = Math.max(...tiles.map((t) => (t.width + 2 * margin) * (t.height + 2 * margin)));
    this.changes = scratch.float32(tiles.reduce((n, t) => n + t.width * t.height, 0));
    this.weight = scratch.uint8(Math.max(...tiles.map((t) => t.width * t.height)));
    this.la = scratch.float32(largest);
    this.lb = scratch.float32(largest);
    this.rows = Array.from({ length: 5 }, () => scratch.float64(largest));
    this.diffs = new Int16Array(largest * 3);
  }

  /**
   * Adds one tile's SSIM, colour difference and changes at the pixels where `weight` is 1. The SSIM
   * windows reach `SSIM_RADIUS` px beyond the tile, clamped at the image's edges (the edge pixels
   * repeat), so every value equals the whole image's.
   */
  add(tile: Rect, any: boolean): void {
    if (!any) return;
    const { template, output, weight, la, lb, diffs } = this;
    const { width, height } = template;
    const r = SSIM_RADIUS;
    const crop = rectAround(
      [tile.x, tile.y, tile.width, tile.height],
      Math.max(r, this.smoothRadius),
      width,
      height,
    );
    if (sameInRect(output, template, crop)) return this.addUntouched(tile);
    const cw = crop.width;
    // One read of the bytes: both lumas and the signed difference of each channel.
    const o = output.pixels;
    const t = template.pixels;
    for (let y = 0; y < crop.height; y++) {
      for (let x = 0, i = y * cw, j = ((crop.y + y) * width + crop.x) * 3; x < cw; x++, i++, j += 3) {
        la[i] = 0.299 * o[j] + 0.587 * o[j + 1] + 0.114 * o[j + 2];
        lb[i] = 0.299 * t[j] + 0.587 * t[j + 1] + 0.114 * t[j + 2];
        diffs[i * 3] = o[j] - t[j];
        diffs[i * 3 + 1] = o[j + 1] - t[j + 1];
        diffs[i * 3 + 2] = o[j + 2] - t[j + 2];
      }
    }
    // Row sums of the five SSIM statistics, then running column sums down each of the tile's columns.
    const [ra, rb, raa, rbb, rab] = this.rows;
    const last = cw - 1;
    for (let y = 0; y < crop.height; y++) {
      const row = y * cw;
      let a = 0;
      let b = 0;
      let aa = 0;
      let bb = 0;
      let ab = 0;
      for (let k = -r; k <= r; k++) {
        const i = row + (k < 0 ? 0 : k > last ? last : k);
        a += la[i];
        b += lb[i];
        aa += la[i] * la[i];
        bb += lb[i] * lb[i];
        ab += la[i] * lb[i];
      }
      for (let x = 0; x < cw; x++) {
        ra[row + x] = a;
        rb[row + x] = b;
        raa[row + x] = aa;
        rbb[row + x] = bb;
        rab[row + x] = ab;
        const i = row + (x + r + 1 > last ? last : x + r + 1);
        const d = row + (x - r < 0 ? 0 : x - r);
        a += la[i] - la[d];
        b += lb[i] - lb[d];
        aa += la[i] * la[i] - la[d] * la[d];
        bb += lb[i] * lb[i] - lb[d] * lb[d];
        ab += la[i] * lb[i] - la[d] * lb[d];
      }
    }
    const area = (2 * r + 1) ** 2;
    const lastRow = crop.height - 1;
    const s = this.smoothRadius;
    const smoothArea = (2 * s + 1) ** 2;
    const y0 = tile.y - crop.y;
    for (let tx = 0; tx < tile.width; tx++) {
      const x = tile.x + tx - crop.x;
      let a = 0;
      let b = 0;
      let aa = 0;
      let bb = 0;
      let ab = 0;
      for (let k = y0 - r; k <= y0 + r; k++) {
        const i = (k < 0 ? 0 : k > lastRow ? lastRow : k) * cw + x;
        a += ra[i];
        b += rb[i];
        aa += raa[i];
        bb += rbb[i];
        ab += rab[i];
      }
      for (let ty = 0; ty < tile.height; ty++) {
        const y = y0 + ty;
        if (weight[ty * tile.width + tx]) {
          const ma = a / area;
          const mb = b / area;
          const va = aa / area - ma * ma;
          const vb = bb / area - mb * mb;
          const cov = ab / area - ma * mb;
          this.pixels++;
          this.ssim += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
          const c = (y * cw + x) * 3;
          this.colour += Math.abs(diffs[c]) + Math.abs(diffs[c + 1]) + Math.abs(diffs[c + 2]);
        }
        // The change, at every other pixel of every other row (a median needs no more): the largest
        // channel's mean difference over the square of `smoothRadius`, the image's edge pixels
        // repeated (the crop reaches past the tile, or ends where the image does).
        if (weight[ty * tile.width + tx] && ((tile.x + tx) | (tile.y + ty)) % 2 === 0) {
          let dr = 0;
          let dg = 0;
          let db = 0;
          for (let m = y - s; m <= y + s; m++) {
            const rowAt = (m < 0 ? 0 : m > lastRow ? lastRow : m) * cw;
            for (let n = x - s; n <= x + s; n++) {
              const k = (rowAt + (n < 0 ? 0 : n > last ? last : n)) * 3;
              dr += diffs[k];
              dg += diffs[k + 1];
              db += diffs[k + 2];
            }
          }
          this.changes[this.changed++] = Math.max(Math.abs(dr), Math.abs(dg), Math.abs(db)) / smoothArea;
        }
        const add = (y + r + 1 > lastRow ? lastRow : y + r + 1) * cw + x;
        const drop = (y - r < 0 ? 0 : y - r) * cw + x;
        a += ra[add] - ra[drop];
        b += rb[add] - rb[drop];
        aa += raa[add] - raa[drop];
        bb += rbb[add] - rbb[drop];
        ab += rab[add] - rab[drop];
      }
    }
  }

  /**
   * Adds a tile whose pixels and every pixel its windows read are the template's own: what `add`
   * computes there exactly (SSIM 1 at each pixel, no colour difference, no change), in the same order.
   */
  private addUntouched(tile: Rect): void {
    for (let tx = 0; tx < tile.width; tx++) {
      for (let ty = 0; ty < tile.height; ty++) {
        if (!this.weight[ty * tile.width + tx]) continue;
        this.pixels++;
        this.ssim += 1;
        if (((tile.x + tx) | (tile.y + ty)) % 2 === 0) this.changes[this.changed++] = 0;
      }
    }
  }

  result(): BackgroundMeasures {
    const n = this.pixels;
    return {
      ssim: n > 0 ? this.ssim / n : 1,
      colourDiff: n > 0 ? this.colour / (3 * n) : 0,
      change: medianOf(this.changes, this.changed),
      pixels: n,
    };
  }
}

/**
 * The change over a rectangle: at each pixel the largest per-channel |mean of output − template| over
 * the square of `radius` around it (clamped at the image's edges), so noise and JPEG blocks average
 * out a little.
 */
export function changeMap(output: RgbImage, template: RgbImage, rect: Rect, radius: number): Float32Array {
  const { width, height } = template;
  const out = scratch.float32(rect.width * rect.height);
  const o = output.pixels;
  const t = template.pixels;
  const span = rect.width + 2 * radius;
  // Per channel, the signed difference summed along each row's window, for the rows the windows reach.
  const rows = rect.height + 2 * radius;
  const rowSums = scratch.int32((rect.height + 2 * radius) * rect.width * 3);
  const line = new Int32Array(span * 3);
  const columns = new Int32Array(span);
  for (let k = 0; k < span; k++) columns[k] = Math.min(width - 1, Math.max(0, rect.x - radius + k)) * 3;
  for (let r = 0; r < rows; r++) {
    const y = Math.min(height - 1, Math.max(0, rect.y - radius + r));
    for (let k = 0; k < span; k++) {
      const j = y * width * 3 + columns[k];
      line[k * 3] = o[j] - t[j];
      line[k * 3 + 1] = o[j + 1] - t[j + 1];
      line[k * 3 + 2] = o[j + 2] - t[j + 2];
    }
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let k = 0; k < 2 * radius; k++) sum += line[k * 3 + c];
      for (let x = 0; x < rect.width; x++) {
        sum += line[(x + 2 * radius) * 3 + c];
        rowSums[(r * rect.width + x) * 3 + c] = sum;
        sum -= line[x * 3 + c];
      }
    }
  }
  const area = (2 * radius + 1) ** 2;
  const stride = rect.width * 3;
  for (let y = 0; y < rect.height; y++) {
    for (let x = 0; x < rect.width; x++) {
      let dr = 0;
      let dg = 0;
      let db = 0;
      for (let k = 0, j = y * stride + x * 3; k <= 2 * radius; k++, j += stride) {
        dr += rowSums[j];
        dg += rowSums[j + 1];
        db += rowSums[j + 2];
      }
      out[y * rect.width + x] = Math.max(Math.abs(dr), Math.abs(dg), Math.abs(db)) / area;
    }
  }
  return out;
}

/**
 * The median of the first `n` values (the value at rank ⌊n/2⌋ in ascending order, 0 for none), exact,
 * in linear time: a histogram finds the bin that holds that rank and only that bin is sorted.
 */
export function medianOf(values: Float32Array, n: number): number {
  if (n === 0) return 0;
  const rank = Math.floor(n / 2);
  const binOf = (v: number) => Math.min(MEDIAN_BINS - 1, Math.max(0, Math.floor(v * MEDIAN_BINS_PER_LEVEL)));
  const counts = scratch.int32(MEDIAN_BINS);
  for (let i = 0; i < n; i++) counts[binOf(values[i])]++;
  let bin = 0;
  let below = 0;
  while (below + counts[bin] <= rank) below += counts[bin++];
  const inBin = new Float32Array(counts[bin]);
  for (let i = 0, k = 0; i < n; i++) if (binOf(values[i]) === bin) inBin[k++] = values[i];
  return inBin.sort()[rank - below];
}

/** Changes are grey levels, 0–255: bins of 1/16 level keep the bin that is sorted small. */
const MEDIAN_BINS_PER_LEVEL = 16;
const MEDIAN_BINS = 256 * MEDIAN_BINS_PER_LEVEL;
