import sharp from 'sharp';
import { isPng } from '../core/image-type';

/** An RGB image as floats 0–255, row-major, 3 values per pixel: the working form for warps and metrics. */
export interface Raster {
  width: number;
  height: number;
  data: Float32Array;
}

/** An RGB image as packed bytes, row-major: what crosses to a worker (copied there; large results are moved back). */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Decodes any image sharp reads into packed RGB bytes, optionally resized (exactly, ignoring aspect)
 * first. sharp works on libuv's thread pool, so this does not block the event loop; the bytes are
 * sharp's own buffer, not a copy.
 */
export async function readRgb(
  image: Buffer,
  size?: { width: number; height: number },
  limitInputPixels?: number,
): Promise<RgbImage> {
  let pipeline = decoding(image, limitInputPixels).removeAlpha();
  if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** The decode both `readRgb` and `readRgbOnce` start from: upright, in sRGB, alpha kept if any. */
function decoding(image: Buffer, limitInputPixels?: number): sharp.Sharp {
  return sharp(image, { limitInputPixels }).rotate().toColourspace('srgb');
}

/**
 * Packed RGB bytes resized (exactly, ignoring aspect) on sharp's threads. For an image decoded by
 * `readRgbOnce` as `resizable`, `resizeRgb(image, size)` is byte for byte `readRgb(bytes, size)`, with
 * one decode instead of two.
 */
export async function resizeRgb(
  { width, height, pixels }: RgbImage,
  size: { width: number; height: number },
): Promise<RgbImage> {
  const data = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { ...size, pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** An image decoded at its own size, with whether its pixels may be resized instead of decoded again. */
export interface DecodedImage extends RgbImage {
  /**
   * Whether `resizeRgb` of these pixels is exactly what `readRgb` at another size gives: true for a
   * PNG of 8-bit RGB, or of 8-bit RGBA whose every pixel is opaque, without a colour profile or gamma.
   * Other images (alpha that is used, 16 bits, profiles, WebP's scaled decoding) are decoded at each
   * size: sharp resizes them before it converts or drops what resizing decoded pixels would keep.
   */
  resizable: boolean;
}

/**
 * `readRgb(bytes)` (own size, same pixels), and whether those pixels may stand for the image at other
 * sizes (`DecodedImage.resizable`). An RGBA PNG is decoded with its alpha, which is then dropped here
 * after checking that it is opaque everywhere (sharp premultiplies alpha to resize, a no-op at 255).
 */
export async function readRgbOnce(bytes: Buffer, limitInputPixels?: number): Promise<DecodedImage> {
  const colourType = plainPngColourType(bytes);
  if (colourType !== PNG_TRUECOLOUR_ALPHA) {
    return {
      ...(await readRgb(bytes, undefined, limitInputPixels)),
      resizable: colourType === PNG_TRUECOLOUR,
    };
  }
  const { data, info } = await decoding(bytes, limitInputPixels).raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  // In shared memory already: the scorer sends these pixels to its workers as they are (see `shared`).
  const pixels = sharedBytes(n * 3);
  let opaque = 255;
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    pixels[i * 3] = data[j];
    pixels[i * 3 + 1] = data[j + 1];
    pixels[i * 3 + 2] = data[j + 2];
    opaque &= data[j + 3];
  }
  return { width: info.width, height: info.height, pixels, resizable: opaque === 255 };
}

/**
 * The IHDR colour type of a PNG of 8 bits per sample with no colour profile, gamma or chromaticities
 * before its image data (chunks that make sharp convert colours after resizing); -1 for anything else.
 */
function plainPngColourType(bytes: Buffer): number {
  if (bytes.length < 33 || !isPng(bytes) || bytes.toString('latin1', 12, 16) !== 'IHDR') return -1;
  if (bytes[24] !== 8) return -1;
  for (let at = 8; at + 8 <= bytes.length;) {
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') return bytes[25];
    if (type === 'iCCP' || type === 'gAMA' || type === 'cHRM') return -1;
    at += 12 + bytes.readUInt32BE(at);
  }
  return -1;
}

/** IHDR colour types: red, green and blue, no palette, without alpha (2) and with it (6). */
const PNG_TRUECOLOUR = 2;
const PNG_TRUECOLOUR_ALPHA = 6;

/**
 * The image with its pixels in shared memory (copied there unless they are already): the workers read
 * it, and it crosses to them without a copy however often it is sent.
 */
export function shared(image: RgbImage): RgbImage {
  if (image.pixels.buffer instanceof SharedArrayBuffer) return image;
  return { ...image, pixels: sharedBytes(image.pixels.byteLength, image.pixels) };
}

/** `length` bytes of shared memory, a copy of `from` if given (see `shared`). */
export function sharedBytes(length: number, from?: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(new SharedArrayBuffer(length));
  if (from) bytes.set(from);
  return bytes;
}

/** The float working form of packed RGB bytes (a loop over every value: do it off the event loop). */
export function rasterFromRgb({ width, height, pixels }: RgbImage): Raster {
  return { width, height, data: Float32Array.from(pixels) };
}

/** A rectangle of whole pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The whole pixels a box touches, grown by `margin` on every side and clipped to a `width` × `height`
 * image (the same pixels `boxMask` would set, plus the margin).
 */
export function rectAround(
  [bx, by, bw, bh]: readonly [number, number, number, number],
  margin: number,
  width: number,
  height: number,
): Rect {
  const x0 = Math.max(0, Math.floor(bx) - margin);
  const y0 = Math.max(0, Math.floor(by) - margin);
  const x1 = Math.min(width, Math.ceil(bx + bw) + margin);
  const y1 = Math.min(height, Math.ceil(by + bh) + margin);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Whether two images of the same size have the same bytes over a rectangle. */
export function sameInRect(a: RgbImage, b: RgbImage, rect: Rect): boolean {
  const p = a.pixels;
  const q = b.pixels;
  const span = rect.width * 3;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    const from = (y * a.width + rect.x) * 3;
    for (let j = from; j < from + span; j++) if (p[j] !== q[j]) return false;
  }
  return true;
}

/** Luma (BT.601) of a rectangle of packed RGB bytes. */
export function lumaOf(
  { width, pixels }: RgbImage,
  rect: Rect,
  out: Float32Array = new Float32Array(rect.width * rect.height),
): Float32Array {
  for (let y = 0; y < rect.height; y++) {
    let j = ((rect.y + y) * width + rect.x) * 3;
    const row = y * rect.width;
    for (let x = 0; x < rect.width; x++, j += 3)
      out[row + x] = 0.299 * pixels[j] + 0.587 * pixels[j + 1] + 0.114 * pixels[j + 2];
  }
  return out;
}

/**
 * A rectangle of packed RGB bytes shrunk by a whole `factor`: each pixel the rounded mean of a
 * `factor` × `factor` block (of the pixels there are, at the rectangle's far edges), written into `out`
 * when given (⌈width / factor⌉ × ⌈height / factor⌉ pixels).
 */
export function shrink(
  { width, pixels }: RgbImage,
  rect: Rect,
  factor: number,
  out: Uint8Array = new Uint8Array(Math.ceil(rect.width / factor) * Math.ceil(rect.height / factor) * 3),
): RgbImage {
  const w = Math.ceil(rect.width / factor);
  const h = Math.ceil(rect.height / factor);
  if (factor === 2) return halve({ width, pixels }, rect, out);
  // One output row at a time: the block sums of its `factor` input rows, then their means.
  const sums = new Uint32Array(w * 3);
  for (let oy = 0; oy < h; oy++) {
    sums.fill(0);
    const y0 = oy * factor;
    const y1 = Math.min(rect.height, y0 + factor);
    for (let y = y0; y < y1; y++) {
      let j = ((rect.y + y) * width + rect.x) * 3;
      for (let ox = 0, x = 0; ox < w; ox++) {
        const end = Math.min(rect.width, x + factor);
        let r = 0;
        let g = 0;
        let b = 0;
        for (; x < end; x++, j += 3) {
          r += pixels[j];
          g += pixels[j + 1];
          b += pixels[j + 2];
        }
        sums[ox * 3] += r;
        sums[ox * 3 + 1] += g;
        sums[ox * 3 + 2] += b;
      }
    }
    for (let ox = 0; ox < w; ox++) {
      const n = (y1 - y0) * (Math.min(rect.width, (ox + 1) * factor) - ox * factor);
      const o = (oy * w + ox) * 3;
      out[o] = Math.round(sums[ox * 3] / n);
      out[o + 1] = Math.round(sums[ox * 3 + 1] / n);
      out[o + 2] = Math.round(sums[ox * 3 + 2] / n);
    }
  }
  return { width: w, height: h, pixels: out };
}

/**
 * `shrink` by 2, the common case, unrolled: each whole 2 × 2 block's rounded mean in integer arithmetic
 * (⌊(sum + 2) / 4⌋ is `Math.round(sum / 4)`), the partial blocks of an odd far edge as `shrink` takes them.
 */
function halve({ width, pixels }: Pick<RgbImage, 'width' | 'pixels'>, rect: Rect, out: Uint8Array): RgbImage {
  const w = Math.ceil(rect.width / 2);
  const h = Math.ceil(rect.height / 2);
  const whole = rect.width >> 1;
  const stride = width * 3;
  for (let oy = 0; oy < h; oy++) {
    const y = rect.y + 2 * oy;
    const pair = 2 * oy + 1 < rect.height;
    let j = (y * width + rect.x) * 3;
    let o = oy * w * 3;
    if (pair) {
      for (let ox = 0; ox < whole; ox++, j += 6, o += 3) {
        const k = j + stride;
        out[o] = (pixels[j] + pixels[j + 3] + pixels[k] + pixels[k + 3] + 2) >> 2;
        out[o + 1] = (pixels[j + 1] + pixels[j + 4] + pixels[k + 1] + pixels[k + 4] + 2) >> 2;
        out[o + 2] = (pixels[j + 2] + pixels[j + 5] + pixels[k + 2] + pixels[k + 5] + 2) >> 2;
      }
      if (whole < w) {
        const k = j + stride;
        for (let c = 0; c < 3; c++) out[o + c] = Math.round((pixels[j + c] + pixels[k + c]) / 2);
      }
    } else {
      for (let ox = 0; ox < whole; ox++, j += 6, o += 3) {
        for (let c = 0; c < 3; c++) out[o + c] = Math.round((pixels[j + c] + pixels[j + 3 + c]) / 2);
      }
      if (whole < w) for (let c = 0; c < 3; c++) out[o + c] = pixels[j + c];
    }
  }
  return { width: w, height: h, pixels: out };
}

/** Packed RGB bytes of a raster, each value rounded and clamped (a loop over every value: do it off the event loop). */
export function rgbFromRaster({ width, height, data }: Raster): RgbImage {
  const pixels = new Uint8Array(data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, Math.round(data[i])));
  return { width, height, pixels };
}

/** Encodes packed RGB bytes as PNG, on sharp's threads. */
export function writePng({ width, height, pixels }: RgbImage): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** Luma (BT.601) of each pixel, 0–255. */
export function luma(raster: Raster): Float32Array {
  const out = new Float32Array(raster.width * raster.height);
  const d = raster.data;
  for (let i = 0, j = 0; i < out.length; i++, j += 3)
    out[i] = 0.299 * d[j] + 0.587 * d[j + 1] + 0.114 * d[j + 2];
  return out;
}

/** Bilinear sample of channel `c` at a fractional position, clamped to the image edge. */
export function sample(raster: Raster, x: number, y: number, c: number): number {
  const { width, height, data } = raster;
  const cx = Math.max(0, Math.min(width - 1, x));
  const cy = Math.max(0, Math.min(height - 1, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(width - 1, x0 + 1);
  const y1 = Math.min(height - 1, y0 + 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const a = data[(y0 * width + x0) * 3 + c];
  const b = data[(y0 * width + x1) * 3 + c];
  const e = data[(y1 * width + x0) * 3 + c];
  const f = data[(y1 * width + x1) * 3 + c];
  return (a * (1 - fx) + b * fx) * (1 - fy) + (e * (1 - fx) + f * fx) * fy;
}

/**
 * Separable box blur of a single-channel map, repeated `passes` times (three passes approximate a
 * Gaussian). Used to feather masks and to build local statistics.
 */
export function boxBlur(
  map: Float32Array,
  width: number,
  height: number,
  radius: number,
  passes = 1,
): Float32Array {
  let src = map;
  const r = Math.max(0, Math.round(radius));
  if (r === 0) return Float32Array.from(map);
  for (let p = 0; p < passes; p++) {
    const tmp = new Float32Array(src.length);
    const out = new Float32Array(src.length);
    for (let y = 0; y < height; y++) blurRow(src, tmp, y * width, width, r);
    blurColumns(tmp, out, width, height, r);
    src = out;
  }
  return src;
}

/**
 * Running sum along one row with edge clamping, so the cost does not depend on the radius. Edges are
 * clamped by index, never by a call per value: this loop is the hottest in the scorer.
 */
function blurRow(src: Float32Array, dst: Float32Array, start: number, n: number, r: number): void {
  const size = 2 * r + 1;
  const last = n - 1;
  let sum = 0;
  for (let k = -r; k <= r; k++) sum += src[start + (k < 0 ? 0 : k > last ? last : k)];
  for (let i = 0; i < n; i++) {
    dst[start + i] = sum / size;
    const add = i + r + 1;
    const drop = i - r;
    sum += src[start + (add > last ? last : add)] - src[start + (drop < 0 ? 0 : drop)];
  }
}

/** The same running sum down every column at once, a row at a time (memory is read in order). */
function blurColumns(src: Float32Array, dst: Float32Array, width: number, height: number, r: number): void {
  const size = 2 * r + 1;
  const last = height - 1;
  const sums = new Float64Array(width);
  for (let k = -r; k <= r; k++) {
    const row = (k < 0 ? 0 : k > last ? last : k) * width;
    for (let x = 0; x < width; x++) sums[x] += src[row + x];
  }
  for (let y = 0; y < height; y++) {
    const out = y * width;
    const add = (y + r + 1 > last ? last : y + r + 1) * width;
    const drop = (y - r < 0 ? 0 : y - r) * width;
    for (let x = 0; x < width; x++) {
      dst[out + x] = sums[x] / size;
      sums[x] += src[add + x] - src[drop + x];
    }
  }
}
