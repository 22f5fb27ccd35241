import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../core/package-root';
import { readRgb } from '../faces/raster';
import { alignOutput } from './align-output';
import { frameChange, IDENTITY } from './frame';
import { registerOutput } from './registration';
import { redraw, type Redraw } from '../../test/fixtures/evaluator/redraws';

describe('registerOutput', () => {
  const size = { width: 512, height: 512 };
  const photo = () => readFile(join(packageRoot(), 'datasets', 'sources', 'astronaut.png'));
  /** The astronaut's face (photos.json): a swap may change it, so the registration leaves it out. */
  const face: [number, number, number, number] = [178, 70, 93, 104];
  const register = async (steps: Redraw[]) => {
    const template = await photo();
    const output = await redraw(template, steps);
    return registerOutput({
      template: await readRgb(template, size),
      output: await readRgb(output, size),
      fullWidth: size.width,
      fullHeight: size.height,
      exclude: [face],
    });
  };

  it('recovers known shifts within half a pixel', async () => {
    for (const [x, y] of [
      [0.03, 0],
      [-0.02, 0.02],
      [0.01, -0.03],
    ]) {
      const result = await register([{ kind: 'shift', x, y }]);
      const f = frameChange(result.transform, size.width, size.height);
      assert.ok(result.found);
      // sharp moves the content by whole pixels: the shift asked for, rounded.
      assert.ok(Math.abs(f.dx * size.width - Math.round(x * size.width)) < 0.5, `dx ${f.dx * size.width}`);
      assert.ok(Math.abs(f.dy * size.height - Math.round(y * size.height)) < 0.5, `dy ${f.dy * size.height}`);
      assert.ok(Math.abs(f.scale - 1) < 0.005 && Math.abs(f.rotationDeg) < 0.2);
    }
  });

  it('recovers known zooms within 0.5% and rotations within 0.2°', async () => {
    for (const factor of [1.05, 0.96]) {
      const f = frameChange((await register([{ kind: 'zoom', factor }])).transform, size.width, size.height);
      // The zoom is made by resizing to a whole number of pixels.
      const made = Math.round(size.width * factor) / size.width;
      assert.ok(Math.abs(f.scale / made - 1) < 0.005, `scale ${f.scale} for ${made}`);
    }
    for (const degrees of [2, -1.5]) {
      const f = frameChange(
        (await register([{ kind: 'rotate', degrees }])).transform,
        size.width,
        size.height,
      );
      // sharp turns clockwise for positive angles; in image coordinates (y down) that is a positive angle.
      assert.ok(Math.abs(f.rotationDeg - degrees) < 0.2, `rotation ${f.rotationDeg} for ${degrees}`);
      assert.ok(Math.abs(f.scale - 1) < 0.005);
    }
  });

  it('keeps an output already in the frame exactly as it is, and undoes a re-grade in colour', async () => {
    const same = await register([]);
    assert.deepEqual(same.transform, IDENTITY);
    const regraded = await register([{ kind: 'regrade' }]);
    assert.deepEqual(regraded.transform, IDENTITY);
    const template = await readRgb(await photo(), size);
    const output = await readRgb(await redraw(await photo(), [{ kind: 'regrade' }]), size);
    const before = meanAbsDiff(template.pixels, output.pixels);
    const { image } = alignOutput(output, regraded.transform, regraded.colourMap);
    const after = meanAbsDiff(template.pixels, image.pixels);
    assert.ok(after < before / 2, `colour difference ${before} → ${after}`);
  });

  it('finds no registration between two different pictures', async () => {
    const template = await photo();
    const other = await readFile(join(packageRoot(), 'datasets', 'sources', 'camera.png'));
    const result = registerOutput({
      template: await readRgb(template, size),
      output: await readRgb(other, size),
      fullWidth: size.width,
      fullHeight: size.height,
      exclude: [face],
    });
    assert.equal(result.found, false);
    assert.deepEqual(result.transform, IDENTITY);
  });
});

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}
