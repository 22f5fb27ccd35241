import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureCase, fixtureItem, fixtureRun, fixtureTool } from '../../test/fixtures/run-detail.fixture';
import { buildRunPanel, urlImages } from './run-panel.builder';
import { bootstrapInterval, leaderboard, twoLevelInterval } from './run-stats';

/** A run of one tool under two labels, `samples` samples per case, scores from `score(case, variant, sample)`. */
function variantRun(samples: number, score: (c: number, v: number, s: number) => number) {
  let id = 1;
  const items = [0, 1, 2, 3].flatMap((c) =>
    ['t1', 't1-strong'].flatMap((variant, v) =>
      Array.from({ length: samples }, (_, sample) =>
        fixtureItem({
          id: id++,
          case_id: `c${c}`,
          tool_id: 't1',
          variant,
          sample,
          score: score(c, v, sample),
        }),
      ),
    ),
  );
  return fixtureRun(items);
}

describe('variants and samples in the run panel', () => {
  it('has one column per variant and one cell per case × variant carrying every sample', async () => {
    const run = variantRun(3, (c, v, s) => 40 + c * 5 + v * 20 + s);
    const panel = await buildRunPanel(
      run,
      ['c0', 'c1', 'c2', 'c3'].map((c) => fixtureCase(c)),
      [fixtureTool('t1')],
      urlImages,
    );
    assert.deepEqual(
      panel.grid.tools.map((t) => [t.id, t.name]),
      [
        ['t1', 't1'],
        ['t1-strong', 't1 · t1-strong'],
      ],
    );
    assert.equal(panel.grid.cells.length, 8);
    const cell = panel.grid.cells.find((c) => c.caseId === 'c1' && c.toolId === 't1-strong')!;
    assert.equal(cell.sample, 0);
    assert.deepEqual(
      cell.samples.map((s) => [s.sample, s.score]),
      [
        [0, 65],
        [1, 66],
        [2, 67],
      ],
    );
    assert.ok(cell.samples.every((s) => s.full?.startsWith('/runs/')));
  });

  it('leaderboard means over every sample per variant', async () => {
    const run = variantRun(2, (c, v, s) => 50 + v * 30 + s * 2);
    const panel = await buildRunPanel(run, [], [fixtureTool('t1')], urlImages);
    assert.deepEqual(
      panel.leaderboard.map((r) => [r.toolId, r.items, r.meanScore]),
      [
        ['t1', 8, 51],
        ['t1-strong', 8, 81],
      ],
    );
  });

  it('the two-level interval widens with the spread of samples and equals the case bootstrap with one sample', () => {
    const steady = [
      [60, 60, 60],
      [62, 62, 62],
      [58, 58, 58],
      [61, 61, 61],
    ];
    const noisy = steady.map((g) => [g[0] - 15, g[0], g[0] + 15]);
    const a = twoLevelInterval(steady, 3)!;
    const b = twoLevelInterval(noisy, 3)!;
    assert.ok(b[1] - b[0] > 2 * (a[1] - a[0]), `steady ${a.join('–')}, noisy ${b.join('–')}`);
    assert.ok(b[0] < 60.25 && b[1] > 60.25);
    const single = [[10], [30], [50], [70]];
    assert.deepEqual(twoLevelInterval(single, 9), bootstrapInterval([10, 30, 50, 70], 9));
    assert.equal(twoLevelInterval([[5]], 1), null);
    const rows = leaderboard([{ ...fixtureTool('t1'), options: {} }], variantRun(1, () => 50).items);
    assert.equal(rows[0].items, 4);
  });
});
