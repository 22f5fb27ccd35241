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
      const random = mulberry32(0x5eed);
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

/** Seeded PRNG, so that "noise" is the same noise on every run and the scores stay reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
