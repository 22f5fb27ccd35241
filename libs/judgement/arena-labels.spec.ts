import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scoreOfLeft, variantLabels } from './arena.service';

describe('arena labels and outcomes', () => {
  it('labels an item by its variant, and by variant@run when the variant is in several runs', () => {
    const labels = variantLabels([
      { id: 1, runId: 'ra', variant: 'classic_swap' },
      { id: 2, runId: 'ra', variant: 'control_paste' },
      { id: 3, runId: 'rb', variant: 'classic_swap' },
      { id: 4, runId: 'rb', variant: 'baseline_gpt' },
    ]);
    assert.deepEqual(
      [...labels.entries()],
      [
        [1, 'classic_swap@ra'],
        [2, 'control_paste'],
        [3, 'classic_swap@rb'],
        [4, 'baseline_gpt'],
      ],
    );
  });

  it('scores a vote for the left side: win 1, loss 0, tie and both bad ½', () => {
    assert.deepEqual((['left', 'right', 'tie', 'both_bad'] as const).map(scoreOfLeft), [1, 0, 0.5, 0.5]);
  });
});
