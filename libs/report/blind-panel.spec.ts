import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blindCell } from './blind-panel';
import type { CellModel } from './view-model';

describe('a blind cell', () => {
  const sample = (itemId: number, sample: number) => ({
    itemId,
    sample,
    status: 'scored' as const,
    score: 61 + sample,
    thumb: `/runs/2026-11-30/classic_swap/demo_duo.s${sample}.png`,
    full: `/runs/2026-11-30/classic_swap/demo_duo.s${sample}.png`,
  });
  const cell: CellModel = {
    itemId: 7,
    caseId: 'demo_duo',
    toolId: 'classic_swap',
    status: 'scored',
    score: 61,
    breakdown: { seams: 0.9 },
    error: null,
    cached: true,
    stars: 4,
    starsN: 1,
    myStars: null,
    ratings: 1,
    latencyMs: 120,
    costUsd: 0.01,
    thumb: '/runs/2026-11-30/classic_swap/demo_duo.png',
    full: '/runs/2026-11-30/classic_swap/demo_duo.png',
    sample: 0,
    samples: [sample(7, 0), sample(8, 1)],
  };

  it('keeps no score, tool or image path, in the cell and in its strip of samples', () => {
    const blind = blindCell(cell, 2);
    const text = JSON.stringify(blind);
    assert.doesNotMatch(text, /classic_swap|"score":6|breakdown":\{/);
    assert.equal(blind.toolId, 'out3');
    assert.deepEqual(
      blind.samples.map((s) => [s.itemId, s.score, s.thumb]),
      [
        [7, null, '/app/items/7/image'],
        [8, null, '/app/items/8/image'],
      ],
    );
  });
});
