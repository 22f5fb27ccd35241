import sharp from 'sharp';
import type { FaceAnalyzer } from './face-analyzer.service';
import type { AnalyzedFace, FaceBox } from './face.types';
import type { RgbImage } from './raster';

/**
 * Looks for faces only inside `box` grown by `grow` (clamped to the image), in an encoded image or
 * packed RGB bytes, with the crop scaled so its longer side is `side` pixels, and returns them in the full image's coordinates. The detector sees
 * the whole image at a low resolution, so a small face (a person far away, a pasted thumbnail) can be
 * missed there and found here.
 */
export async function analyzeRegion(
  analyzer: FaceAnalyzer,
  image: Buffer | RgbImage,
  imageSize: { width: number; height: number },
  box: FaceBox,
  grow = 1.6,
  side = 512,
): Promise<AnalyzedFace[]> {
  const [x, y, w, h] = box;
  const size = Math.max(w, h) * grow;
  const left = Math.max(0, Math.floor(x + w / 2 - size / 2));
  const top = Math.max(0, Math.floor(y + h / 2 - size / 2));
  const width = Math.min(imageSize.width - left, Math.ceil(size));
  const height = Math.min(imageSize.height - top, Math.ceil(size));
  if (width < 8 || height < 8) return [];
  const scale = side / Math.max(width, height);
  const source = Buffer.isBuffer(image)
    ? sharp(image)
    : sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } });
  const crop = await source
    .extract({ left, top, width, height })
    .resize(Math.round(width * scale), Math.round(height * scale))
    .png({ compressionLevel: 1 })
    .toBuffer();
  const { faces } = await analyzer.analyze(crop);
  const mapBox = (b: FaceBox): FaceBox => [
    left + b[0] / scale,
    top + b[1] / scale,
    b[2] / scale,
    b[3] / scale,
  ];
  return faces.map((f) => ({
    ...f,
    box: mapBox(f.box),
    detectorBox: mapBox(f.detectorBox),
    mesh: f.mesh.map(([mx, my, mz]): [number, number, number] => [
      left + mx / scale,
      top + my / scale,
      mz / scale,
    ]),
  }));
}
