import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../core/package-root';
import { readRgb, shrink } from '../faces/raster';
import { identityColourMap, isIdentityColourMap } from './colour-map';
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
    const given = new Uint8Array(output.pixels);
    const { image } = alignOutput(output, regraded.transform, regraded.colourMap, 1);
    const after = meanAbsDiff(template.pixels, image.pixels);
    assert.ok(after < before / 2, `colour difference ${before} → ${after}`);
    // Its input is left as it was (the scorer hands the same output to the face analysis and the measures).
    assert.deepEqual(output.pixels, given);
    alignOutput(output, regraded.transform, regraded.colourMap, 2);
    assert.deepEqual(output.pixels, given);
  });

  it("registers as well with the template's side kept from an earlier output of the case", async () => {
    const template = await readRgb(await photo(), size);
    const input = async (steps: Redraw[]) => ({
      template,
      output: await readRgb(await redraw(await photo(), steps), size),
      fullWidth: size.width,
      fullHeight: size.height,
      exclude: [face],
    });
    const shifted = await input([{ kind: 'shift', x: 0.02, y: 0 }, { kind: 'regrade' }]);
    const turned = await input([{ kind: 'rotate', degrees: 1.5 }]);
    // The first output makes the template's side, the second is registered with the one kept.
    const keyed = [shifted, turned].map((i) => registerOutput({ ...i, templateKey: 'astronaut' }));
    assert.deepEqual(keyed, [registerOutput(shifted), registerOutput(turned)]);
    // Another exclusion is another side: not the one kept.
    const wider = registerOutput({ ...turned, exclude: [[150, 50, 150, 150]], templateKey: 'astronaut' });
    assert.deepEqual(wider, registerOutput({ ...turned, exclude: [[150, 50, 150, 150]] }));
  });

  it("aligns at the measures' scale: shrunk by a whole factor, in the same place", async () => {
    const template = await readRgb(await photo(), size);
    const output = await readRgb(await redraw(await photo(), [{ kind: 'shift', x: 0.02, y: 0.01 }]), size);
    const { transform, colourMap } = registerOutput({
      template,
      output,
      fullWidth: size.width,
      fullHeight: size.height,
      exclude: [face],
    });
    const whole = { x: 0, y: 0, width: size.width, height: size.height };
    const half = alignOutput(output, transform, colourMap, 2);
    const full = alignOutput(output, transform, colourMap, 1);
    assert.deepEqual([half.image.width, half.image.height], [256, 256]);
    // Away from the strip the shift uncovers, the half-size alignment is the full one shrunk.
    const reference = shrink(full.image, whole, 2);
    let sum = 0;
    let n = 0;
    for (let y = 8; y < 248; y++)
      for (let x = 8; x < 240; x++)
        for (let c = 0; c < 3; c++) {
          const i = (y * 256 + x) * 3 + c;
          sum += Math.abs(half.image.pixels[i] - reference.pixels[i]);
          n++;
        }
    assert.ok(sum / n < 3, `mean difference ${sum / n}`);
    const unaligned = meanAbsDiff(shrink(template, whole, 2).pixels, shrink(output, whole, 2).pixels);
    assert.ok(sum / n < unaligned / 4, `mean difference ${sum / n}, unaligned ${unaligned}`);
    // Unmoved and unmapped, it is the output shrunk.
    assert.deepEqual(alignOutput(output, IDENTITY, identityColourMap(), 2).image, shrink(output, whole, 2));
  });

  it('finds no registration between two different pictures, and no colour map', async () => {
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
    // Colours of pixels that do not correspond say nothing of a re-grade: the output keeps its own.
    assert.ok(isIdentityColourMap(result.colourMap));
  });
});

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}
