import sharp from 'sharp';

/** An RGB image as floats 0–255, row-major, 3 values per pixel: the working form for warps and metrics. */
export interface Raster {
  width: number;
  height: number;
  data: Float32Array;
}

/** An RGB image as packed bytes, row-major: what crosses to a worker (moved, never copied) before it becomes a Raster. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Decodes any image sharp reads into packed RGB bytes, optionally resized (exactly, ignoring aspect)
 * first. sharp works on libuv's thread pool, so this does not block the event loop; the bytes are in a
 * buffer of their own, so they can be transferred to a worker.
 */
export async function readRgb(image: Buffer, size?: { width: number; height: number }): Promise<RgbImage> {
  let pipeline = sharp(image).rotate().removeAlpha().toColourspace('srgb');
  if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, pixels: new Uint8Array(data) };
}

/** The float working form of packed RGB bytes (a loop over every value: do it off the event loop). */
export function rasterFromRgb({ width, height, pixels }: RgbImage): Raster {
  return { width, height, data: Float32Array.from(pixels) };
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
    for (let y = 0; y < height; y++) blurLine(src, tmp, y * width, 1, width, r);
    for (let x = 0; x < width; x++) blurLine(tmp, out, x, width, height, r);
    src = out;
  }
  return src;
}

function blurLine(
  src: Float32Array,
  dst: Float32Array,
  start: number,
  stride: number,
  n: number,
  r: number,
): void {
  // Running sum with edge clamping, so the cost does not depend on the radius.
  const at = (i: number) => src[start + Math.max(0, Math.min(n - 1, i)) * stride];
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += at(i);
  const size = 2 * r + 1;
  for (let i = 0; i < n; i++) {
    dst[start + i * stride] = sum / size;
    sum += at(i + r + 1) - at(i - r);
  }
}
