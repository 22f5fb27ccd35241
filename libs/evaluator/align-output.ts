import { sharedBytes, type RgbImage } from '../faces/raster';
import { isIdentityColourMap, preparedMap, recolourSpan, type ColourMap } from './colour-map';
import { Frame, type Similarity } from './frame';

/**
 * The output warped into the template's frame at full resolution (bilinear) and passed through the
 * colour map (the output itself when neither changes anything), with a mask of the pixels the output covers (a shifted or zoomed-out output leaves a strip
 * it has no pixels for). With the identity transform the pixels are only colour-mapped.
 */
export function alignOutput(
  output: RgbImage,
  transform: Similarity,
  colourMap: ColourMap,
): { image: RgbImage; covered: Uint8Array } {
  const { width, height, pixels } = output;
  const identity = transform.a === 0 && transform.b === 0 && transform.tx === 0 && transform.ty === 0;
  // Results in shared memory: measured and analyzed on the workers, they are sent on without a copy.
  if (identity) {
    const covered = everywhere(width * height);
    if (isIdentityColourMap(colourMap)) return { image: output, covered };
    const mapped = new Uint8ClampedArray(new SharedArrayBuffer(pixels.length));
    recolourSpan(preparedMap(colourMap), pixels, mapped, 0, pixels.length);
    return { image: { width, height, pixels: new Uint8Array(mapped.buffer) }, covered };
  }
  // Warped a row at a time, and each row colour-mapped in place while it is in cache: each bilinear
  // value is rounded and clamped to a byte (as a stored image is), then mapped. A pixel the output does
  // not cover is black, mapped.
  const map = preparedMap(colourMap);
  const warped = new Uint8ClampedArray(new SharedArrayBuffer(pixels.length));
  const covered = sharedBytes(width * height);
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
      const j = i + stride;
      const p = (y * width + x) * 3;
      warped[p] = pixels[i] * w00 + pixels[i + 3] * w10 + pixels[j] * w01 + pixels[j + 3] * w11;
      warped[p + 1] = pixels[i + 1] * w00 + pixels[i + 4] * w10 + pixels[j + 1] * w01 + pixels[j + 4] * w11;
      warped[p + 2] = pixels[i + 2] * w00 + pixels[i + 5] * w10 + pixels[j + 2] * w01 + pixels[j + 5] * w11;
      covered[y * width + x] = 1;
    }
    recolourSpan(map, warped, warped, y * stride, (y + 1) * stride);
  }
  return { image: { width, height, pixels: new Uint8Array(warped.buffer) }, covered };
}

/** The last all-covered mask made: read only, so outputs of one size share it (one less image per output). */
let allCovered: Uint8Array = new Uint8Array(0);

function everywhere(length: number): Uint8Array {
  if (allCovered.length !== length) allCovered = sharedBytes(length).fill(1);
  return allCovered;
}
