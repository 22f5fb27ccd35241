import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { packageRoot } from '../core/package-root';
import { FaceAnalyzer } from '../faces/face-analyzer.service';
import type { FaceBox } from '../faces/face.types';
import { readRgb, type RgbImage } from '../faces/raster';
import { identityColourMap } from './colour-map';
import { IMAGE_MEASURES, measureImage } from './image-measures.task';

describe('image measures on the face workers', () => {
  const analyzer = new FaceAnalyzer(1);
  after(() => analyzer.close());
  const size = { width: 320, height: 240 };
  const faceBoxes: FaceBox[] = [[120, 60, 80, 100]];
  const images = async () => {
    const photo = await readFile(join(packageRoot(), 'datasets', 'sources', 'astronaut.png'));
    const blurred = await sharp(photo).blur(3).png().toBuffer();
    return Promise.all([readRgb(photo, size), readRgb(blurred, size)]);
  };
  const copy = (image: RgbImage): RgbImage => ({ ...image, pixels: Uint8Array.from(image.pixels) });
  /** Every pixel covered by the output, no faces matched. */
  const rest = (template: RgbImage) => ({
    covered: new Uint8Array(size.width * size.height).fill(1),
    faces: { template, output: template, colourMap: identityColourMap(), pairs: [] },
  });

  it('gives bit-for-bit the numbers measured on this thread', async () => {
    const [template, output] = await images();
    const here = measureImage({
      template: copy(template),
      output: copy(output),
      faceBoxes,
      templateBoxes: faceBoxes,
      ...rest(template),
    });
    const there = await analyzer.runTask(IMAGE_MEASURES, {
      template,
      output,
      faceBoxes,
      templateBoxes: faceBoxes,
      ...rest(template),
    });
    assert.deepEqual(there, here);
    // A blurred copy keeps the colours but not the structure.
    assert.ok(here.colourDiff < 10 && here.ssim < 0.9, JSON.stringify(here));
  });

  it('reports a failure inside the worker as a readable rejection, and the pool keeps working', async () => {
    const [template, output] = await images();
    const small = { ...output, width: 100 };
    await assert.rejects(
      analyzer.runTask(IMAGE_MEASURES, {
        template,
        output: small,
        faceBoxes,
        templateBoxes: faceBoxes,
        ...rest(template),
      }),
      /Worker task measureImage failed: Output 100×240 and template 320×240 differ in size/,
    );
    const again = await analyzer.runTask(IMAGE_MEASURES, {
      template,
      output,
      faceBoxes,
      templateBoxes: faceBoxes,
      ...rest(template),
    });
    assert.ok(again.ssim > 0);
  });
});
