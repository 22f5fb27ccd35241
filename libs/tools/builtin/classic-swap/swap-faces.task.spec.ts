import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { TestCase } from '../../../cases/test-case';
import { demoFixture, toolInput } from '../../../../test/fixtures/evaluator/demo-fixture';
import { FaceAnalyzer } from '../../../faces/face-analyzer.service';
import type { FaceBox } from '../../../faces/face.types';
import { readRgb, type RgbImage } from '../../../faces/raster';
import { matchSlots } from '../../../faces/slot-match';
import { ClassicSwapTool } from '../classic-swap.tool';
import { SWAP_FACES, swapFaces, type FaceSwapInput } from './swap-faces.task';

describe('classic swap pixel work on the face workers', () => {
  const analyzer = new FaceAnalyzer(1);
  let duo: TestCase;
  after(() => analyzer.close());
  before(async () => {
    const fixture = await demoFixture();
    duo = fixture.cases.find((c) => c.slots.length > 1)!;
    assert.ok(duo, 'a multi-person demo case exists');
  });

  /** The task input for a case, built the way the tool builds it (largest avatar face, IoU-matched slot). */
  const swapInput = async (testCase: TestCase): Promise<{ input: FaceSwapInput; boxes: FaceBox[] }> => {
    const tool = new ClassicSwapTool(analyzer);
    const { template, avatars } = await toolInput(testCase, tool);
    const [templateFaces, triangles] = await Promise.all([
      analyzer.analyze(template),
      analyzer.meshTriangles(),
    ]);
    const slotFaces = matchSlots(
      testCase.slots.map((s) => s.box),
      templateFaces.faces.map((f) => f.box),
    );
    const slots = await Promise.all(
      testCase.slots.map(async (slot, i) => {
        const avatarFaces = await analyzer.analyze(avatars[i].image);
        const source = [...avatarFaces.faces].sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0];
        const target = templateFaces.faces[slotFaces[i]];
        assert.ok(source && target, `faces found for slot ${slot.id}`);
        return {
          avatar: await readRgb(avatars[i].image),
          sourceMesh: source.mesh,
          targetMesh: target.mesh,
          targetBox: target.box,
        };
      }),
    );
    return {
      input: { template: await readRgb(template), slots, triangles, feather: 0.08, colourMatch: true },
      boxes: slots.map((s) => s.targetBox),
    };
  };
  const copy = (image: RgbImage): RgbImage => ({ ...image, pixels: Uint8Array.from(image.pixels) });
  const copyInput = (input: FaceSwapInput): FaceSwapInput => ({
    ...input,
    template: copy(input.template),
    slots: input.slots.map((s) => ({ ...s, avatar: copy(s.avatar) })),
  });

  it('gives bit-for-bit the image made on this thread', async () => {
    const { input } = await swapInput(duo);
    const here = swapFaces(copyInput(input));
    const there = await analyzer.runTask(SWAP_FACES, input);
    assert.deepEqual(there, here);
  });

  it('changes the faces and leaves the image away from them untouched', async () => {
    const { input, boxes } = await swapInput(duo);
    const template = copy(input.template);
    const out = swapFaces(input);
    const { width, height } = template;
    for (const box of boxes) {
      const inside = meanAbsDiff(out, template, (x, y) => inBox(x, y, box, 0.6));
      assert.ok(inside > 10, `face ${box.join(',')} changed by only ${inside.toFixed(2)} grey levels`);
    }
    const far = meanAbsDiff(out, template, (x, y) => boxes.every((b) => !inBox(x, y, b, 2)));
    assert.equal(far, 0, `pixels far from the faces changed (${width}×${height})`);
  });

  it('is what ClassicSwapTool answers, encoded as PNG', async () => {
    const tool = new ClassicSwapTool(analyzer);
    const result = await tool.generate(await toolInput(duo, tool));
    assert.ok(result.ok, 'the tool succeeded');
    const decoded = await sharp(result.image).raw().toBuffer({ resolveWithObject: true });
    const { input } = await swapInput(duo);
    const expected = swapFaces(input);
    assert.equal(decoded.info.channels, 3);
    assert.deepEqual(new Uint8Array(decoded.data), expected.pixels);
  });
});

/** Whether pixel (x, y) lies in `box` scaled by `scale` about its centre. */
function inBox(x: number, y: number, [bx, by, bw, bh]: FaceBox, scale: number): boolean {
  const cx = bx + bw / 2;
  const cy = by + bh / 2;
  return Math.abs(x + 0.5 - cx) <= (bw * scale) / 2 && Math.abs(y + 0.5 - cy) <= (bh * scale) / 2;
}

function meanAbsDiff(a: RgbImage, b: RgbImage, where: (x: number, y: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (!where(x, y)) continue;
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        sum += Math.abs(a.pixels[i] - b.pixels[i]);
      }
      n += 3;
    }
  }
  return n > 0 ? sum / n : 0;
}
