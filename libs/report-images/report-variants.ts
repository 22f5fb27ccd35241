import sharp from 'sharp';

/**
 * The report's image budget (docs/report.md): everything is re-encoded as WebP, which every current
 * browser shows from `file://`, at sizes that keep a 50 × 5 run of photographic outputs near 20 MB.
 * `effort` is libwebp's method (0 fastest … 6 smallest); measured trade-offs are in docs/report.md.
 */
export const REPORT_IMAGE_BUDGET = {
  /** Template in the grid's row header. */
  template: { width: 360, quality: 70, effort: 2 },
  /** Avatar chips beside the template. */
  avatar: { width: 96, quality: 70, effort: 2 },
  /** Output thumbnail in a grid cell. */
  thumb: { width: 320, quality: 70, effort: 2 },
  /** Output in the lightbox: long side at most this many pixels, never enlarged. */
  full: { width: 896, quality: 72, effort: 0 },
} as const;

/** A case image's place in the report. */
export type CaseImageRole = 'template' | 'avatar';

/** One WebP image the report shows: an output's thumbnail or full size, or a case image. */
export type ReportVariant = 'thumb' | 'full' | CaseImageRole;

/** An output's two report images, as WebP bytes. */
export interface OutputVariants {
  thumb: Buffer;
  full: Buffer;
}

interface Size {
  width: number;
  quality: number;
  effort: number;
}

/**
 * Everything besides the budget that decides the encoded bytes. It is part of every cache key
 * (`variantSpec`), so a change here or a sharp/libvips/libwebp upgrade never serves stale bytes.
 */
const PIPELINE = {
  /** Bump when the code below changes the bytes in a way the other fields do not show. */
  recipe: 1,
  kernel: 'mitchell',
  limitInputPixels: 40_000_000,
  sharp: sharp.versions.sharp,
  vips: sharp.versions.vips,
  webp: sharp.versions.webp ?? null,
} as const;

/**
 * What decides a variant's bytes, as a string: with the digest of the source it addresses a cached copy.
 * The thumbnail is made from the full size's pixels, so its spec holds both budgets.
 */
export function variantSpec(variant: ReportVariant): string {
  const { thumb, full } = REPORT_IMAGE_BUDGET;
  const budget = variant === 'thumb' ? { full, thumb } : { [variant]: REPORT_IMAGE_BUDGET[variant] };
  return JSON.stringify({ variant, budget, pipeline: PIPELINE });
}

/** Encodes a template (fit inside its width) or an avatar chip (square, cropped to its most salient part). */
export function encodeCaseImage(input: Buffer, role: CaseImageRole): Promise<Buffer> {
  const size: Size = REPORT_IMAGE_BUDGET[role];
  const resized =
    role === 'avatar'
      ? decoder(input).resize(size.width, size.width, { fit: 'cover', position: 'attention' })
      : decoder(input).resize(inside(size.width));
  return resized.webp({ quality: size.quality, effort: size.effort }).toBuffer();
}

/**
 * One decode, two encodes: the file is decoded (and brought to the full-size budget) once into raw
 * pixels, then the thumbnail and the lightbox image are encoded from those pixels. (`sharp().clone()`
 * would decode the file again for each.) `parallel` encodes both at once on two pool threads, for an
 * export that waits on them; otherwise one after the other, leaving the pool to a running run's
 * database and file work. The bytes are the same either way.
 */
export async function encodeOutput(input: Buffer, parallel: boolean): Promise<OutputVariants> {
  const { full, thumb } = REPORT_IMAGE_BUDGET;
  const { data, info } = await decoder(input)
    .resize(inside(full.width))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  const small = () =>
    sharp(data, raw)
      .resize(inside(thumb.width))
      .webp({ quality: thumb.quality, effort: thumb.effort })
      .toBuffer();
  const large = () => sharp(data, raw).webp({ quality: full.quality, effort: full.effort }).toBuffer();
  if (parallel) {
    const [smallWebp, largeWebp] = await Promise.all([small(), large()]);
    return { thumb: smallWebp, full: largeWebp };
  }
  const smallWebp = await small();
  return { thumb: smallWebp, full: await large() };
}

function decoder(input: Buffer): sharp.Sharp {
  // rotate(): applies the EXIF orientation, so a phone photo is shown upright.
  return sharp(input, { limitInputPixels: PIPELINE.limitInputPixels }).rotate();
}

function inside(width: number): sharp.ResizeOptions {
  // mitchell: ~15% cheaper than the default lanczos3 for downscaling, with no visible difference here.
  return { width, height: width, fit: 'inside', withoutEnlargement: true, kernel: PIPELINE.kernel };
}
