import type { AnalyzedFace, FaceBox } from '../faces/face.types';

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

/** Whether `t` moves nothing (the registration gives exactly `IDENTITY`'s numbers then). */
export function isIdentity(t: Similarity): boolean {
  return t.a === 0 && t.b === 0 && t.tx === 0 && t.ty === 0;
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
 * Points, boxes and faces between the template's frame and the output's own, through `t` (full-resolution
 * pixel coordinates): where the output shows what the template shows at a point, and back. The output's
 * faces are analyzed shrunk by `factor` (see `alignOutput`).
 */
export class FrameMapping {
  private readonly half: number;
  private readonly identity: boolean;
  /** The transform's scale and rotation (radians). */
  readonly scale: number;
  readonly rotation: number;

  constructor(
    private readonly t: Similarity,
    private readonly width: number,
    private readonly height: number,
    private readonly factor = 1,
  ) {
    this.half = Math.max(width, height) / 2;
    this.identity = isIdentity(t);
    this.scale = Math.hypot(1 + t.a, t.b);
    this.rotation = Math.atan2(t.b, 1 + t.a);
  }

  /** A point of the template's frame in the output's. */
  toOutput(x: number, y: number): [number, number] {
    const { t, half, width, height } = this;
    const u = (x - width / 2) / half;
    const v = (y - height / 2) / half;
    return [
      ((1 + t.a) * u - t.b * v + t.tx) * half + width / 2,
      (t.b * u + (1 + t.a) * v + t.ty) * half + height / 2,
    ];
  }

  /** A point of the output's frame in the template's: z = (z' − c) / s, as complex numbers. */
  toTemplate(x: number, y: number): [number, number] {
    const { t, half, width, height } = this;
    const [sr, si] = [1 + t.a, t.b];
    const norm = sr * sr + si * si;
    const u = (x - width / 2) / half - t.tx;
    const v = (y - height / 2) / half - t.ty;
    return [((sr * u + si * v) / norm) * half + width / 2, ((sr * v - si * u) / norm) * half + height / 2];
  }

  /** The box of the shrunk output that holds a box of the template's frame (its four corners mapped). */
  boxToOwn(box: FaceBox): FaceBox {
    const [x, y, w, h] = box;
    const corners = this.identity
      ? [
          [x, y],
          [x + w, y + h],
        ]
      : [this.toOutput(x, y), this.toOutput(x + w, y), this.toOutput(x, y + h), this.toOutput(x + w, y + h)];
    const xs = corners.map((p) => p[0] / this.factor);
    const ys = corners.map((p) => p[1] / this.factor);
    const [left, top] = [Math.min(...xs), Math.min(...ys)];
    return [left, top, Math.max(...xs) - left, Math.max(...ys) - top];
  }

  /** A face analyzed on the shrunk output, in the output's full-size coordinates. */
  ownToFull(face: AnalyzedFace): AnalyzedFace {
    return enlargedFace(face, this.factor);
  }

  /**
   * A face the output drew, placed in the template's frame: its mesh mapped point by point, its boxes
   * about their mapped centres at the template's scale, its roll less the frame's rotation.
   */
  faceToTemplate(face: AnalyzedFace): AnalyzedFace {
    const full = this.ownToFull(face);
    if (this.identity) return full;
    const box = ([x, y, w, h]: FaceBox): FaceBox => {
      const [cx, cy] = this.toTemplate(x + w / 2, y + h / 2);
      const [sw, sh] = [w / this.scale, h / this.scale];
      return [cx - sw / 2, cy - sh / 2, sw, sh];
    };
    return {
      ...full,
      box: box(full.box),
      detectorBox: box(full.detectorBox),
      mesh: full.mesh.map(([x, y, z]): [number, number, number] => [
        ...this.toTemplate(x, y),
        z / this.scale,
      ]),
      pose: { ...full.pose, roll: full.pose.roll - this.rotation },
    };
  }
}

/** A face found on an image shrunk by `k`, in the coordinates of the image at full size. */
export function enlargedFace(face: AnalyzedFace, k: number): AnalyzedFace {
  if (k === 1) return face;
  const box = (b: FaceBox): FaceBox => [b[0] * k, b[1] * k, b[2] * k, b[3] * k];
  return {
    ...face,
    box: box(face.box),
    detectorBox: box(face.detectorBox),
    mesh: face.mesh.map(([x, y, z]): [number, number, number] => [x * k, y * k, z * k]),
  };
}

/**
 * Maps a working image's pixels to the normalised coordinates of the full-resolution frame. A working
 * image is the full frame resized to `width` × `height`, or, given `pixel`, shrunk by that whole factor
 * (each pixel a `pixel` × `pixel` block from the top left; the far edge's blocks may be partial).
 */
export class Frame {
  readonly half: number;
  /** Working pixels per full-resolution pixel, as a fraction num / den per axis (see `x`, `y`). */
  readonly numX: number;
  readonly denX: number;
  readonly numY: number;
  readonly denY: number;
  constructor(
    readonly width: number,
    readonly height: number,
    readonly fullWidth: number,
    readonly fullHeight: number,
    pixel?: number,
  ) {
    this.half = Math.max(fullWidth, fullHeight) / 2;
    [this.numX, this.denX] = pixel ? [1, pixel] : [width, fullWidth];
    [this.numY, this.denY] = pixel ? [1, pixel] : [height, fullHeight];
  }

  /** The full frame shrunk by a whole `factor` (see `shrink` in libs/faces/raster.ts). */
  static shrunk(fullWidth: number, fullHeight: number, factor: number): Frame {
    if (factor === 1) return new Frame(fullWidth, fullHeight, fullWidth, fullHeight);
    return new Frame(
      Math.ceil(fullWidth / factor),
      Math.ceil(fullHeight / factor),
      fullWidth,
      fullHeight,
      factor,
    );
  }

  /** This frame at half the resolution (2×2 boxes, a trailing odd row or column dropped). */
  halved(): Frame {
    return new Frame(this.width >> 1, this.height >> 1, this.fullWidth, this.fullHeight);
  }

  /** Pixel column → u. Pixel centres sit at x + 0.5 in continuous coordinates. */
  u(x: number): number {
    return ((x + 0.5) * (this.denX / this.numX) - this.fullWidth / 2) / this.half;
  }

  v(y: number): number {
    return ((y + 0.5) * (this.denY / this.numY) - this.fullHeight / 2) / this.half;
  }

  x(u: number): number {
    return ((u * this.half + this.fullWidth / 2) * this.numX) / this.denX - 0.5;
  }

  y(v: number): number {
    return ((v * this.half + this.fullHeight / 2) * this.numY) / this.denY - 0.5;
  }
}
