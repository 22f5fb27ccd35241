import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { packageRoot } from '../core/package-root';
import type { FaceBox } from '../faces/face.types';
import { readRgb, type RgbImage } from '../faces/raster';
import { measureBackground } from './background.measure';
import { hardCutFraction } from './change-boundary.score';
import { scaleBox } from './image-quality.score';
import { CALIBRATION } from './score.calibration';

describe('hardCutFraction on a face pasted onto a photo', () => {
  const sources = join(packageRoot(), 'datasets', 'sources');
  const size = { width: 512, height: 512 };
  /** The astronaut's face in the 512 px photo. */
  const face: FaceBox = [178, 70, 93, 104];
  const [left, top, width, height] = face;
  let photo: Buffer;
  /** Another person's face, from another photo under other light, sized to the box. */
  let patch: Buffer;
  let template: RgbImage;

  before(async () => {
    photo = await sharp(join(sources, 'astronaut.png'))
      .removeAlpha()
      .resize(size.width, size.height)
      .png()
      .toBuffer();
    // sharp extracts before it resizes within one pipeline: resize first, in a pipeline of its own.
    const hopper = await sharp(join(sources, 'grace_hopper.jpg'))
      .resize(512, 600, { fit: 'fill' })
      .toBuffer();
    patch = await sharp(hopper)
      .extract({ left: 166, top: 131, width: 190, height: 201 })
      .resize(width, height, { fit: 'fill' })
      .png()
      .toBuffer();
    template = await readRgb(photo, size);
  });

  const measure = async (image: Buffer) => {
    const output = await readRgb(image, size);
    const covered = new Uint8Array(size.width * size.height).fill(1);
    const excluded = [scaleBox(face, CALIBRATION.image.backgroundDilation)];
    const { change } = measureBackground(
      template,
      output,
      excluded,
      covered,
      CALIBRATION.image.hardCut.smoothRadius,
    );
    return hardCutFraction(output, template, [face], change, CALIBRATION.image.hardCut).faces[0];
  };
  const hardPaste = () =>
    sharp(photo)
      .composite([{ input: patch, left, top }])
      .png()
      .toBuffer();
  /** The same paste through an alpha mask shrunk 8 px inside the box and blurred: a soft edge. */
  const featheredPaste = async () => {
    const box = await sharp({
      create: { width: size.width, height: size.height, channels: 3, background: '#000' },
    })
      .composite([
        {
          input: { create: { width: width - 16, height: height - 16, channels: 3, background: '#fff' } },
          left: left + 8,
          top: top + 8,
        },
      ])
      .png()
      .toBuffer();
    // sharp composites last within a pipeline: the blur needs a pipeline of its own.
    const mask = await sharp(box).blur(4).extractChannel(0).raw().toBuffer();
    // Mixed by hand: sharp's composite would keep the pasted image's own alpha channel.
    const raw = { width: size.width, height: size.height, channels: 3 as const };
    const [under, over] = await Promise.all(
      [photo, await hardPaste()].map((image) => sharp(image).removeAlpha().raw().toBuffer()),
    );
    const mixed = Buffer.alloc(under.length);
    for (let i = 0; i < mixed.length; i++) {
      const alpha = mask[Math.floor(i / 3)] / 255;
      mixed[i] = Math.round(under[i] * (1 - alpha) + over[i] * alpha);
    }
    return sharp(mixed, { raw }).png().toBuffer();
  };

  it('finds no cut where nothing changed', async () => {
    assert.equal(await measure(photo), 0);
  });

  it('finds most of the outline cut when a face is pasted with hard edges', async () => {
    const fraction = await measure(await hardPaste());
    assert.ok(fraction > 0.7, `hard paste: ${fraction}`);
  });

  it('finds almost none when the same face is blended in with a feathered mask', async () => {
    const hard = await measure(await hardPaste());
    const feathered = await measure(await featheredPaste());
    assert.ok(feathered < 0.25, `feathered paste: ${feathered}`);
    assert.ok(feathered < hard / 3, `feathered ${feathered} vs hard ${hard}`);
  });

  it('still sees the hard paste through JPEG re-encoding, and not in a blurred template', async () => {
    const hard = await hardPaste();
    const jpeg = await sharp(await sharp(hard).jpeg({ quality: 60 }).toBuffer())
      .png()
      .toBuffer();
    assert.ok((await measure(jpeg)) > 0.5, 'JPEG 60');
    // Blurring the whole template changes every edge a little: that is not a cut.
    const blurred = await sharp(photo).blur(2).png().toBuffer();
    assert.ok((await measure(blurred)) < 0.1, 'blurred template');
  });

  it('measures a large face the same at twice its resolution (it is measured shrunk)', async () => {
    const at = async (image: Buffer, k: number) => {
      const scaled = { width: k * size.width, height: k * size.height };
      const box: FaceBox = [k * left, k * top, k * width, k * height];
      const [t, o] = await Promise.all([readRgb(photo, scaled), readRgb(image, scaled)]);
      const covered = new Uint8Array(scaled.width * scaled.height).fill(1);
      const excluded = [scaleBox(box, CALIBRATION.image.backgroundDilation)];
      const { change } = measureBackground(t, o, excluded, covered, CALIBRATION.image.hardCut.smoothRadius);
      return hardCutFraction(o, t, [box], change, CALIBRATION.image.hardCut).faces[0];
    };
    // At 2× the face is about 200 px and measured as it is; at 4× it is shrunk by 2 to the same size.
    assert.ok(
      2 * height > CALIBRATION.image.hardCut.faceSide && 4 * height >= 2 * CALIBRATION.image.hardCut.faceSide,
    );
    for (const paste of [await hardPaste(), await featheredPaste()]) {
      const [two, four] = [await at(paste, 2), await at(paste, 4)];
      assert.ok(Math.abs(two - four) < 0.1, `${two} at 2×, ${four} at 4×`);
    }
  });
});
