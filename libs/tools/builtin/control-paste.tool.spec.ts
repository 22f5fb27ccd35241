import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { TestCase } from '../../cases/test-case';
import { demoFixture, toolInput } from '../../../test/fixtures/evaluator/demo-fixture';
import { FaceAnalyzer } from '../../faces/face-analyzer.service';
import type { FaceBox } from '../../faces/face.types';
import { boxIou } from '../../faces/slot-match';
import { ControlPasteTool, faceCrop } from './control-paste.tool';

describe('faceCrop', () => {
  const image = { width: 320, height: 320 };

  it('trims the sides of a face wider than the slot, keeping its full height and centre', () => {
    assert.deepEqual(faceCrop([100, 50, 120, 100], 0.8, image), {
      left: 120,
      top: 50,
      width: 80,
      height: 100,
    });
  });

  it('trims top and bottom of a face taller than the slot', () => {
    assert.deepEqual(faceCrop([100, 50, 80, 160], 1, image), { left: 100, top: 90, width: 80, height: 80 });
  });

  it('keeps the crop inside the image when the face box runs over its edges', () => {
    const crop = faceCrop([-20, 280, 100, 80], 1, image);
    assert.deepEqual(crop, { left: 20, top: 280, width: 40, height: 40 });
  });
});

describe('ControlPasteTool', () => {
  const analyzer = new FaceAnalyzer(1);
  const tool = new ControlPasteTool(analyzer);
  let solo: TestCase;
  after(() => analyzer.close());
  before(async () => {
    const fixture = await demoFixture();
    solo = fixture.cases.find((c) => c.id === 'demo_solo_hopper')!;
    assert.ok(solo, 'the demo case demo_solo_hopper exists');
  });

  it("pastes the avatar's face, not its whole head, over the slot box and nothing else", async () => {
    const input = await toolInput(solo, tool);
    const result = await tool.generate(input);
    assert.ok(result.ok, 'the tool succeeded');
    assert.equal(result.meta.avatarFaceFound, true);
    const slot = solo.slots[0].box;
    // The face found in the output fills the slot: a whole avatar squeezed into it would leave a small face.
    const out = await analyzer.analyze(result.image);
    const avatar = (await analyzer.analyze(input.avatars[0].image)).faces[0];
    const pasted = out.faces.find((f) => boxIou(f.box, slot) > 0.1);
    assert.ok(pasted, `a face is found in the output at the slot ${slot.join(',')}`);
    assert.ok(boxIou(pasted.box, slot) > 0.6, `IoU with the slot ${boxIou(pasted.box, slot).toFixed(2)}`);
    const template = (await analyzer.analyze(input.template)).faces.find((f) => boxIou(f.box, slot) > 0.1)!;
    const cos = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
    const [toAvatar, toTemplate] = [
      cos(pasted.embedding, avatar.embedding),
      cos(pasted.embedding, template.embedding),
    ];
    // The avatar's own face, rescaled by the paste, measures 0.94–0.96 to the avatar (docs/score.md).
    assert.ok(
      toAvatar > 0.75 && toAvatar > toTemplate + 0.2,
      `the pasted face is the avatar's person (cos ${toAvatar.toFixed(2)}, to the template ${toTemplate.toFixed(2)})`,
    );
    // Hard edges, no blending: every pixel outside the slot box is the template's.
    const [o, t] = await Promise.all([raw(result.image), raw(input.template)]);
    assert.equal(differingOutside(o, t, slot), 0);
  });

  it('falls back to the centre crop of the whole avatar and says so when the avatar has no face', async () => {
    const input = await toolInput(solo, tool);
    const faceless = await sharp({ create: { width: 320, height: 320, channels: 3, background: '#6a8' } })
      .composite([{ input: Buffer.from(stripes()), top: 0, left: 0 }])
      .png()
      .toBuffer();
    input.avatars = [{ ...input.avatars[0], image: faceless }];
    const result = await tool.generate(input);
    assert.ok(result.ok, 'the tool succeeded');
    assert.equal(result.meta.avatarFaceFound, false);
    assert.deepEqual(result.meta.centreCroppedSlots, ['p1']);
    const [x, y, w, h] = solo.slots[0].box;
    const expected = await sharp(faceless)
      .resize(w, h, { fit: 'cover', position: 'attention' })
      .removeAlpha()
      .raw()
      .toBuffer();
    const region = await sharp(result.image)
      .extract({ left: x, top: y, width: w, height: h })
      .removeAlpha()
      .raw()
      .toBuffer();
    assert.ok(region.equals(expected), 'the slot holds the centre crop of the avatar');
  });
});

/** An SVG of diagonal stripes: texture for the attention crop to find, and no face. */
function stripes(): string {
  const lines = Array.from(
    { length: 16 },
    (_, i) => `<line x1="${i * 40 - 320}" y1="0" x2="${i * 40}" y2="320" stroke="#234" stroke-width="9"/>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320">${lines.join('')}</svg>`;
}

async function raw(image: Buffer): Promise<{ data: Buffer; width: number; channels: number }> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, channels: info.channels };
}

/** How many pixels outside `box` differ between the two images (same size). */
function differingOutside(
  a: { data: Buffer; width: number; channels: number },
  b: { data: Buffer; width: number; channels: number },
  [bx, by, bw, bh]: FaceBox,
): number {
  let count = 0;
  const height = a.data.length / a.width / a.channels;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (x >= bx && x < bx + bw && y >= by && y < by + bh) continue;
      const i = (y * a.width + x) * a.channels;
      if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2])
        count++;
    }
  }
  return count;
}
