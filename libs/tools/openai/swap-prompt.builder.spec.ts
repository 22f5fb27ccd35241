import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Slot } from '../../cases/test-case';
import { buildSwapPrompt, describeSlotPositions } from './swap-prompt.builder';

const slot = (id: string, x: number, y = 50, w = 40): Slot => ({
  id,
  box: [x, y, w, w],
  avatar: `avatars/${id}.png`,
});

describe('describeSlotPositions', () => {
  it('names one, two and three people by where they stand, in slot order, not list order', () => {
    assert.deepEqual(describeSlotPositions([slot('a', 10)]), ['the person in the photo']);
    assert.deepEqual(describeSlotPositions([slot('a', 300), slot('b', 10)]), [
      'the person on the right',
      'the person on the left',
    ]);
    assert.deepEqual(describeSlotPositions([slot('a', 150), slot('b', 300), slot('c', 10)]), [
      'the person in the middle',
      'the person on the right',
      'the person on the left',
    ]);
  });

  it('counts from the left in larger groups', () => {
    assert.deepEqual(
      describeSlotPositions([slot('a', 10), slot('b', 100), slot('c', 200), slot('d', 300), slot('e', 400)]),
      [
        'the leftmost person',
        'the second person from the left',
        'the third person from the left',
        'the fourth person from the left',
        'the rightmost person',
      ],
    );
  });

  it('tells apart faces stacked one above the other', () => {
    assert.deepEqual(describeSlotPositions([slot('a', 100, 200), slot('b', 105, 20)]), [
      'the person on the left, lower in the frame',
      'the person on the right, higher in the frame',
    ]);
  });
});

describe('buildSwapPrompt', () => {
  it('assigns image k+1 to slot k by position and asks to keep pose and background', () => {
    const prompt = buildSwapPrompt([slot('a', 300), slot('b', 10)], null);
    assert.match(prompt, /^Image 1 is a photo of 2 people\. Images 2 to 3 are portraits/);
    assert.match(
      prompt,
      /- Replace the person on the right in image 1 with the person from image 2\.\n- Replace the person on the left in image 1 with the person from image 3\./,
    );
    assert.match(prompt, /Keep everything else from image 1/);
  });

  it("uses the case's prompt instead when there is one", () => {
    assert.equal(buildSwapPrompt([slot('a', 1)], '  Make her the astronaut.  '), 'Make her the astronaut.');
    assert.match(
      buildSwapPrompt([slot('a', 1)], '   '),
      /^Image 1 is a photo of one person\. Image 2 is a portrait/,
    );
  });
});
