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

/** Maps a working image's pixels to the normalised coordinates of the full-resolution frame. */
export class Frame {
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
