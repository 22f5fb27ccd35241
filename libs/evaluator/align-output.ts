import { sharedBytes, shrink, type RgbImage } from '../faces/raster';
import { isIdentityColourMap, preparedMap, recolourSpan, type ColourMap } from './colour-map';
import { Frame, isIdentity, type Similarity } from './frame';

/** The output at the measures' scale, colour-mapped where it is and in the template's frame. */
export interface AlignedOutput {
  /**
   * The output shrunk by the measures' factor (box means) and colour-mapped, in its own frame: its
   * faces are analyzed here.
   */
  own: RgbImage;
  /** `own` warped (bilinear) into the template's frame. */
  image: RgbImage;
  /** 1 where `image` has pixels of the output's (a shifted or zoomed-out output leaves a strip uncovered). */
  covered: Uint8Array;
}

/**
 * The output aligned with its template: shrunk by a whole `factor`, colour-mapped and warped through
 * `transform`. Each step that changes nothing is skipped, so an output in the template's frame and
 * colours, at factor 1, is its own alignment.
 */
export function alignOutput(
  output: RgbImage,
  transform: Similarity,
  colourMap: ColourMap,
  factor: number,
): AlignedOutput {
  const frame = Frame.shrunk(output.width, output.height, factor);
  const { width, height } = frame;
  const whole = { x: 0, y: 0, width: output.width, height: output.height };
  // Results in shared memory: analyzed and measured on the workers, they are sent on without a copy.
  const small = factor === 1 ? output : shrink(output, whole, factor, sharedBytes(width * height * 3));
  const own = isIdentityColourMap(colourMap) ? small : recoloured(small, colourMap, small !== output);
  if (isIdentity(transform)) return { own, image: own, covered: everywhere(width * height) };
  const { pixels } = own;
  const warped = new Uint8ClampedArray(new SharedArrayBuffer(width * height * 3));
  const covered = sharedBytes(width * height);
  const s = 1 + transform.a;
  const stride = width * 3;
  // Each bilinear value is rounded and clamped to a byte, as a stored image is; a pixel the output does
  // not cover is black.
  for (let y = 0; y < height; y++) {
    const u0 = frame.u(0);
    const v = frame.v(y);
    // The map is affine: step it along the row instead of recomputing it per pixel (the source is at
    // the result's scale, so one pixel along the row is s, b pixels in the source).
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
      const j = i + stride;
      const p = (y * width + x) * 3;
      warped[p] = pixels[i] * w00 + pixels[i + 3] * w10 + pixels[j] * w01 + pixels[j + 3] * w11;
      warped[p + 1] = pixels[i + 1] * w00 + pixels[i + 4] * w10 + pixels[j + 1] * w01 + pixels[j + 4] * w11;
      warped[p + 2] = pixels[i + 2] * w00 + pixels[i + 5] * w10 + pixels[j + 2] * w01 + pixels[j + 5] * w11;
      covered[y * width + x] = 1;
    }
  }
  return { own, image: { width, height, pixels: new Uint8Array(warped.buffer) }, covered };
}

/** The image through the colour map, in place when `ours` (a copy made here), else in new shared memory. */
function recoloured({ width, height, pixels }: RgbImage, colourMap: ColourMap, ours: boolean): RgbImage {
  const mapped = ours
    ? new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.byteLength)
    : new Uint8ClampedArray(new SharedArrayBuffer(pixels.length));
  recolourSpan(preparedMap(colourMap), pixels, mapped, 0, pixels.length);
  return { width, height, pixels: new Uint8Array(mapped.buffer, mapped.byteOffset, mapped.byteLength) };
}

/** The last all-covered mask made: read only, so outputs of one size share it (one less image per output). */
let allCovered: Uint8Array = new Uint8Array(0);

function everywhere(length: number): Uint8Array {
  if (allCovered.length !== length) allCovered = sharedBytes(length).fill(1);
  return allCovered;
}
