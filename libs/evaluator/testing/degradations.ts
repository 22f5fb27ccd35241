import { seededRandom } from '../../core/seeded-random';
import sharp from 'sharp';

/** A synthetic damage applied to an output, at a strength; used to check that the score falls with it. */
export type Degradation = 'blur' | 'noise' | 'jpeg';

/** Strengths per degradation, from mild to severe: blur sigma (px), noise sigma (grey levels), JPEG quality. */
export const DEGRADATION_LEVELS: Record<Degradation, readonly number[]> = {
  blur: [1, 2, 4],
  noise: [8, 16, 32],
  jpeg: [50, 20, 5],
};

/** Applies one degradation to an encoded image and returns a PNG (JPEG artefacts baked in). */
export async function degrade(image: Buffer, kind: Degradation, strength: number): Promise<Buffer> {
  switch (kind) {
    case 'blur':
      return sharp(image).blur(strength).png().toBuffer();
    case 'jpeg': {
      const jpeg = await sharp(image).jpeg({ quality: strength, chromaSubsampling: '4:2:0' }).toBuffer();
      return sharp(jpeg).png().toBuffer();
    }
    case 'noise': {
      const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const random = seededRandom(0x5eed);
      const out = Buffer.alloc(data.length);
      for (let i = 0; i < data.length; i++) out[i] = clamp(data[i] + strength * gaussian(random));
      return sharp(out, { raw: { width: info.width, height: info.height, channels: info.channels } })
        .png()
        .toBuffer();
    }
  }
}

function clamp(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
