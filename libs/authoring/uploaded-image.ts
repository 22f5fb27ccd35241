import sharp from 'sharp';
import { MAX_IMAGE_PIXELS } from '../cases/cases.service';
import { UserError } from '../core/user-error';

/** Largest uploaded or imported image file, in bytes. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
/** Longest side a stored template or avatar keeps; larger photos are scaled down (faces stay findable). */
export const MAX_STORED_SIDE = 2048;

const FORMATS = new Set(['png', 'jpeg', 'webp']);

/** An image that decoded completely, turned upright (EXIF orientation) and re-encoded as sRGB PNG. */
export interface NormalizedImage {
  png: Buffer;
  width: number;
  height: number;
}

/**
 * Checks an image supplied by the user and normalizes it for a case folder. The pixel limit is checked
 * from the header before anything is decoded, so a decompression bomb costs nothing; a file cut short
 * fails the full decode. `label` names the file in every message (e.g. `template "party.jpg"`).
 */
export async function normalizeImage(bytes: Buffer, label: string): Promise<NormalizedImage> {
  if (bytes.length === 0) throw new UserError(`${label} is empty`, 400);
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new UserError(
      `${label} is ${megabytes(bytes.length)}; the limit is ${megabytes(MAX_IMAGE_BYTES)}`,
      413,
    );
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new UserError(`${label} is not an image (use PNG, JPEG or WebP)`, 415);
  }
  if (!meta.format || !FORMATS.has(meta.format)) {
    throw new UserError(`${label} is ${meta.format ?? 'an unknown format'}; use PNG, JPEG or WebP`, 415);
  }
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > MAX_IMAGE_PIXELS) {
    throw new UserError(
      `${label} is ${meta.width}×${meta.height} pixels (${(pixels / 1e6).toFixed(0)} megapixels); ` +
        `the limit is ${MAX_IMAGE_PIXELS / 1e6} megapixels`,
      413,
    );
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated' })
      .rotate()
      .resize(MAX_STORED_SIDE, MAX_STORED_SIDE, { fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .png()
      .toBuffer({ resolveWithObject: true });
    return { png: data, width: info.width, height: info.height };
  } catch (error) {
    throw new UserError(
      `${label} is damaged or cut short and cannot be decoded (${(error as Error).message})`,
      422,
    );
  }
}

function megabytes(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
