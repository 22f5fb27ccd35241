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

/**
 * Paints over the eyes of every face (an ellipse around each, filled from the skin around it, as a tool
 * that lost the eyes would leave them), given each face's 478-point mesh in the image's pixels.
 */
export async function removeEyes(
  image: Buffer,
  meshes: ReadonlyArray<ReadonlyArray<readonly [number, number, number]>>,
): Promise<Buffer> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const hole = new Uint8Array(width * height);
  for (const mesh of meshes) {
    const d = Math.hypot(mesh[263][0] - mesh[33][0], mesh[263][1] - mesh[33][1]);
    for (const [a, b] of [
      [33, 133],
      [362, 263],
    ]) {
      const cx = (mesh[a][0] + mesh[b][0]) / 2;
      const cy = (mesh[a][1] + mesh[b][1]) / 2;
      const rx = 0.3 * d;
      const ry = 0.17 * d;
      for (let y = Math.max(0, Math.floor(cy - ry)); y <= Math.min(height - 1, Math.ceil(cy + ry)); y++) {
        for (let x = Math.max(0, Math.floor(cx - rx)); x <= Math.min(width - 1, Math.ceil(cx + rx)); x++) {
          if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) hole[y * width + x] = 1;
        }
      }
    }
  }
  // Fill each hole pixel with the mean of the nearest known pixels along its row and column (a simple
  // inpainting that leaves flat skin where the eye was).
  const out = Buffer.from(data);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!hole[y * width + x]) continue;
      const known: number[] = [];
      for (const [dx, dy] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        let k = 1;
        while (hole[(y + dy * k) * width + (x + dx * k)] && k < width) k++;
        const xx = x + dx * k;
        const yy = y + dy * k;
        if (xx >= 0 && yy >= 0 && xx < width && yy < height) known.push((yy * width + xx) * 3);
      }
      for (let c = 0; c < 3; c++) {
        out[(y * width + x) * 3 + c] = Math.round(
          known.reduce((s, i) => s + data[i + c], 0) / Math.max(1, known.length),
        );
      }
    }
  }
  return sharp(out, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
