import sharp from 'sharp';
import type { ToolFailure } from '../../tool';

/** A generated image that decoded completely, re-encoded as PNG when it came in another format. */
export interface ValidImage {
  ok: true;
  png: Buffer;
  format: string;
  width: number;
  height: number;
}

export type ImageCheck = ValidImage | { ok: false; failure: ToolFailure };

const PNG_IEND = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
const ACCEPTED_FORMATS = new Set(['png', 'jpeg', 'webp']);

/**
 * Decodes every pixel of a tool's output, because a header can parse while the data behind it is cut
 * short (a dropped connection, a proxy's size limit). Anything that is not a whole PNG, JPEG or WebP is
 * a final `bad_output` failure: asking again would get the same answer from a broken server.
 * `source` names who produced the bytes, for the message.
 */
export async function checkImageOutput(bytes: Buffer, source: string): Promise<ImageCheck> {
  const bad = (why: string): ImageCheck => ({
    ok: false,
    failure: { retryable: false, code: 'bad_output', message: `${source} ${why}` },
  });
  if (bytes.length === 0) return bad('returned an empty image.');
  let format: string | undefined;
  let width = 0;
  let height = 0;
  try {
    const meta = await sharp(bytes).metadata();
    format = meta.format;
    width = meta.width ?? 0;
    height = meta.height ?? 0;
  } catch {
    return bad(`returned ${bytes.length} bytes that are not an image.`);
  }
  if (!format || !ACCEPTED_FORMATS.has(format))
    return bad(`returned a ${format ?? 'unknown'} file, not a PNG, JPEG or WebP image.`);
  // libpng tolerates a missing end chunk, but a PNG without it was cut short somewhere.
  if (format === 'png' && !bytes.subarray(-12).subarray(4).equals(PNG_IEND))
    return bad('returned a truncated PNG (it has no end chunk).');
  try {
    await sharp(bytes).raw().toBuffer();
  } catch {
    return bad(
      `returned a truncated or corrupt ${format.toUpperCase()} image (${width}×${height} header, pixel data unreadable).`,
    );
  }
  const png = format === 'png' ? bytes : await sharp(bytes).png().toBuffer();
  return { ok: true, png, format, width, height };
}

/** Decodes base64 image data from an API answer and checks it as above. */
export async function checkBase64Image(b64: unknown, source: string): Promise<ImageCheck> {
  if (typeof b64 !== 'string' || b64.length === 0) {
    return {
      ok: false,
      failure: {
        retryable: false,
        code: 'bad_output',
        message: `${source} answered without image data (no data[0].b64_json).`,
      },
    };
  }
  return checkImageOutput(Buffer.from(b64, 'base64'), source);
}
