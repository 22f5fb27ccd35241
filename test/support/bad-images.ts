import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { packageRoot } from '../../libs/core/package-root';

/** A public-domain photo of `datasets/sources/` (one face each). */
export function sourcePhoto(name: 'astronaut.png' | 'grace_hopper.jpg' | 'camera.png'): Buffer {
  return readFileSync(join(packageRoot(), 'datasets', 'sources', name));
}

/** Two source photos side by side: a template with two faces. */
export async function duoPhoto(): Promise<Buffer> {
  const left = await sharp(sourcePhoto('astronaut.png')).resize({ height: 512 }).png().toBuffer();
  const right = await sharp(sourcePhoto('grace_hopper.jpg')).resize({ height: 512 }).png().toBuffer();
  const rightWidth = (await sharp(right).metadata()).width;
  return sharp({ create: { width: 512 + rightWidth, height: 512, channels: 3, background: '#808080' } })
    .composite([
      { input: left, left: 0, top: 0 },
      { input: right, left: 512, top: 0 },
    ])
    .png()
    .toBuffer();
}

/**
 * A tiny PNG whose header claims `width`×`height` pixels: a decompression bomb as far as any decoder that
 * trusts the header is concerned. Only the IHDR chunk is rewritten (with a correct CRC).
 */
export async function bombPng(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  );
  // Signature (8 bytes), then IHDR: length (4), type (4), width (4), height (4), ...
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
