import type { FaceBox } from '../faces/face.types';
import { rectAround, sameInRect, shrink, type Rect, type RgbImage } from '../faces/raster';
import { changeMap } from './background.measure';
import { scaleBox } from './image-quality.score';
import { scratch } from './scratch';

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
  /**
   * A face larger than this (pixels, longer side of its box) is measured shrunk by a whole factor to
   * about this size, so a swap measures the same at any resolution and a large face costs no more.
   */
  faceSide: number;
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
 * and mouth, where a swap rightly changes the image abruptly. The unchanged level is `unchangedAt` +
 * `noiseFactor` × `backgroundChange`, the median D of the background (see `measureBackground`). Only
 * the bands and what their pixels read are computed.
 */
export function hardCutFraction(
  output: RgbImage,
  template: RgbImage,
  faceBoxes: FaceBox[],
  backgroundChange: number,
  settings: HardCutSettings,
): HardCut {
  const { width, height } = template;
  const unchangedLevel = settings.unchangedAt + settings.noiseFactor * backgroundChange;
  const faces = faceBoxes.map((box) => {
    const factor = Math.max(1, Math.floor(Math.max(box[2], box[3]) / settings.faceSide));
    if (factor === 1) return cutFraction(output, template, box, unchangedLevel, settings);
    // A large face is measured shrunk, with as much around its band as the band's pixels read.
    const region = rectAround(
      scaleBox(box, settings.outer),
      (hardCutReach(settings) + 1) * factor,
      width,
      height,
    );
    const small: FaceBox = [
      (box[0] - region.x) / factor,
      (box[1] - region.y) / factor,
      box[2] / factor,
      box[3] / factor,
    ];
    return cutFraction(
      shrink(output, region, factor),
      shrink(template, region, factor),
      small,
      unchangedLevel,
      settings,
    );
  });
  return { faces, unchangedLevel };
}

/** The hard-cut share of one face's outline. */
function cutFraction(
  output: RgbImage,
  template: RgbImage,
  box: FaceBox,
  unchangedLevel: number,
  settings: HardCutSettings,
): number {
  const { width, height } = template;
  const band = rectAround(scaleBox(box, settings.outer), 0, width, height);
  const inside = rectAround(scaleBox(box, settings.inner), 0, width, height);
  const cut = hardCutPixels(output, template, band, inside, unchangedLevel, settings);
  return Math.min(1, cut / (2 * (box[2] + box[3])));
}

/**
 * The hard-cut pixels of the band (outside `inside`; never the image's outermost pixels). Every map is
 * computed on the band and as far around it as its pixels' verdicts read (see `hardCutReach`), with
 * summed-area tables, so a window costs the same at any radius.
 */
function hardCutPixels(
  output: RgbImage,
  template: RgbImage,
  band: Rect,
  inside: Rect,
  unchangedLevel: number,
  s: HardCutSettings,
): number {
  const { width, height } = template;
  const crop = rectAround([band.x, band.y, band.width, band.height], hardCutReach(s), width, height);
  // Untouched pixels (a tool that changed only the people) change nothing: no pixel reaches the
  // unchanged level, so none is a candidate.
  const read = rectAround([crop.x, crop.y, crop.width, crop.height], s.smoothRadius, width, height);
  if (unchangedLevel > 0 && sameInRect(output, template, read)) return 0;
  const cw = crop.width;
  const change = changeMap(output, template, crop, s.smoothRadius);
  // Candidates first: unchanged band pixels on the edge of a change. Most outputs have few; an
  // untouched band has none, and then no table is built.
  const candidates: number[] = [];
  const y0 = Math.max(band.y, 1);
  const y1 = Math.min(band.y + band.height, height - 1);
  const x0 = Math.max(band.x, 1);
  const x1 = Math.min(band.x + band.width, width - 1);
  for (let gy = y0; gy < y1; gy++) {
    for (let gx = x0; gx < x1; gx++) {
      if (gx >= inside.x && gx < inside.x + inside.width && gy >= inside.y && gy < inside.y + inside.height)
        continue;
      const i = (gy - crop.y) * cw + (gx - crop.x);
      if (change[i] >= unchangedLevel) continue;
      if (
        change[i - 1] >= unchangedLevel ||
        change[i + 1] >= unchangedLevel ||
        change[i - cw] >= unchangedLevel ||
        change[i + cw] >= unchangedLevel
      )
        candidates.push(i);
    }
  }
  if (candidates.length === 0) return 0;
  const { strong, changed, changedSum } = SummedArea.ofChange(
    crop,
    change,
    unchangedLevel,
    unchangedLevel + s.jump,
  );
  // Eroded: every pixel within `minRegionRadius` strong (strong regions thinner than that are dropped).
  const eroded = SummedArea.of(crop, strong.full(s.minRegionRadius));
  // Near a strong region: an eroded pixel within `reach` of its dilation by `minRegionRadius`.
  const near = s.reach + s.minRegionRadius;
  let cut = 0;
  for (const i of candidates) {
    const x = i % cw;
    const y = (i - x) / cw;
    if (eroded.window(x, y, near) === 0) continue;
    // How far the change has risen within `reach`, against the level it reaches further in.
    let risen = -Infinity;
    for (let yy = Math.max(0, y - s.reach); yy <= Math.min(crop.height - 1, y + s.reach); yy++) {
      for (let xx = Math.max(0, x - s.reach); xx <= Math.min(cw - 1, x + s.reach); xx++)
        risen = Math.max(risen, change[yy * cw + xx]);
    }
    const count = changed.window(x, y, s.plateauRadius);
    const plateau = count > 0 ? changedSum.window(x, y, s.plateauRadius) / count : 0;
    if (risen - unchangedLevel >= s.plateauShare * (plateau - unchangedLevel)) cut++;
  }
  return cut;
}

/**
 * How far from a band pixel its verdict reads the change map: its 4 neighbours, the strong regions
 * within `reach` of their dilation and erosion (2 × `minRegionRadius`), and the plateau around it.
 */
export function hardCutReach(s: HardCutSettings): number {
  return Math.max(1, s.reach + 2 * s.minRegionRadius, s.plateauRadius);
}

/**
 * A summed-area table of a map over a crop: the sum over any square window (clipped to the crop, whose
 * edges are the image's or lie beyond every window read) in four reads.
 */
class SummedArea {
  private readonly stride: number;

  private constructor(
    private readonly crop: Rect,
    private readonly sums: Float64Array,
  ) {
    this.stride = crop.width + 1;
  }

  /** The table of `values` over the crop. */
  static of(crop: Rect, values: Float32Array): SummedArea {
    const { width, height } = crop;
    const stride = width + 1;
    const sums = scratch.float64(stride * (height + 1));
    for (let y = 0; y < height; y++) {
      let row = 0;
      for (let x = 0; x < width; x++) {
        row += values[y * width + x];
        sums[(y + 1) * stride + x + 1] = sums[y * stride + x + 1] + row;
      }
    }
    return new SummedArea(crop, sums);
  }

  /**
   * In one pass over a change map, the tables of the pixels where it exceeds `unchanged` (1 each) and of
   * its values there, and of the pixels where it exceeds `strong` (1 each): each the table `of` makes of
   * that map.
   */
  static ofChange(
    crop: Rect,
    change: Float32Array,
    unchanged: number,
    strong: number,
  ): { changed: SummedArea; changedSum: SummedArea; strong: SummedArea } {
    const { width, height } = crop;
    const stride = width + 1;
    const changed = scratch.float64(stride * (height + 1));
    const changedSum = scratch.float64(stride * (height + 1));
    const strongOnes = scratch.float64(stride * (height + 1));
    for (let y = 0; y < height; y++) {
      let count = 0;
      let sum = 0;
      let strongCount = 0;
      for (let x = 0; x < width; x++) {
        const value = change[y * width + x];
        if (value > unchanged) {
          count++;
          sum += value;
        }
        if (value > strong) strongCount++;
        const at = (y + 1) * stride + x + 1;
        const up = y * stride + x + 1;
        changed[at] = changed[up] + count;
        changedSum[at] = changedSum[up] + sum;
        strongOnes[at] = strongOnes[up] + strongCount;
      }
    }
    return {
      changed: new SummedArea(crop, changed),
      changedSum: new SummedArea(crop, changedSum),
      strong: new SummedArea(crop, strongOnes),
    };
  }

  /** Sum over the pixels within `radius` (Chebyshev) of (x, y), crop coordinates. */
  window(x: number, y: number, radius: number): number {
    const x0 = Math.max(0, x - radius);
    const y0 = Math.max(0, y - radius);
    const x1 = Math.min(this.crop.width, x + radius + 1);
    const y1 = Math.min(this.crop.height, y + radius + 1);
    const s = this.sums;
    const w = this.stride;
    return s[y1 * w + x1] - s[y0 * w + x1] - s[y1 * w + x0] + s[y0 * w + x0];
  }

  /** 1 where every pixel within `radius` is 1 (a map of 0s and 1s eroded by a square), else 0. */
  full(radius: number): Float32Array {
    const { width, height } = this.crop;
    const out = scratch.float32(width * height);
    for (let y = 0; y < height; y++) {
      const area = (Math.min(height, y + radius + 1) - Math.max(0, y - radius)) * 1;
      for (let x = 0; x < width; x++) {
        const w = Math.min(width, x + radius + 1) - Math.max(0, x - radius);
        out[y * width + x] = this.window(x, y, radius) === area * w ? 1 : 0;
      }
    }
    return out;
  }
}
