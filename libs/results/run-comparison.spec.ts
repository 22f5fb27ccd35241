import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../core/seeded-random';
import { fixtureItem, fixtureRun } from '../../test/fixtures/run-detail.fixture';
import type { RunDetail } from '../runs/run-views';
import { compareRuns } from './run-comparison';

/** A run of `cases` cases × one variant × `samples` samples, scores drawn around base + shift per case. */
function seededRun(id: string, seed: number, shift: number, cases = 12, samples = 2): RunDetail {
  const random = seededRandom(seed);
  let itemId = 1;
  const items = Array.from({ length: cases }, (_, c) => {
    // Cases differ a lot from each other (as real cases do); samples and runs differ a little.
    const base = 30 + ((c * 37) % 50);
    return Array.from({ length: samples }, (_, sample) =>
      fixtureItem({
        id: itemId++,
        run_id: id,
        case_id: `case_${c}`,
        tool_id: 'tool_x',
        variant: 'x-low',
        sample,
        score: base + shift + (random() - 0.5) * 6,
      }),
    );
  }).flat();
  return { ...fixtureRun(items), id };
}

describe('compareRuns', () => {
  it('finds a large improvement: positive delta, an interval above 0 and a small p-value', () => {
    const result = compareRuns(seededRun('a', 1, 0), seededRun('b', 2, 8));
    const [variant] = result.variants;
    assert.equal(variant.variant, 'x-low');
    assert.equal(variant.n_cases, 12);
    assert.ok(variant.delta! > 5 && variant.delta! < 11, `delta ${variant.delta}`);
    assert.ok(variant.ci_low! > 0, `interval [${variant.ci_low}, ${variant.ci_high}] excludes 0`);
    assert.ok(variant.ci_low! <= variant.delta! && variant.delta! <= variant.ci_high!);
    assert.ok(variant.p_value! < 0.01, `p ${variant.p_value}`);
    assert.equal(result.cases.length, 12);
    for (const row of result.cases) assert.ok(Math.abs(row.delta - (row.score_b - row.score_a)) < 0.002);
  });

  it('finds a large regression with the opposite sign', () => {
    const [variant] = compareRuns(seededRun('a', 1, 8), seededRun('b', 2, 0)).variants;
    assert.ok(variant.delta! < -5);
    assert.ok(variant.ci_high! < 0);
  });

  it('finds no difference where there is none: the interval holds 0 and p is large', () => {
    const [variant] = compareRuns(seededRun('a', 3, 0), seededRun('b', 4, 0)).variants;
    assert.ok(Math.abs(variant.delta!) < 2, `delta ${variant.delta}`);
    assert.ok(variant.ci_low! < 0 && variant.ci_high! > 0, `[${variant.ci_low}, ${variant.ci_high}]`);
    assert.ok(variant.p_value! > 0.05, `p ${variant.p_value}`);
  });

  it('is reproducible and pairs only the cases both runs scored', () => {
    const a = seededRun('a', 5, 0, 6);
    const b = seededRun('b', 6, 3, 6);
    b.items = b.items.map((i) => (i.case_id === 'case_0' ? { ...i, status: 'failed', score: null } : i));
    const first = compareRuns(a, b);
    assert.deepEqual(compareRuns(a, b), first);
    assert.equal(first.variants[0].n_cases, 5);
    assert.ok(!first.cases.some((c) => c.case_id === 'case_0'));
  });

  it('lists a variant of one run only with no cases', () => {
    const a = seededRun('a', 7, 0, 3);
    const b = seededRun('b', 8, 0, 3);
    b.items = b.items.map((i) => ({ ...i, variant: 'x-high' }));
    b.variants = [{ label: 'x-high', tool_id: 'tool_x' }];
    const result = compareRuns(a, b);
    assert.deepEqual(
      result.variants.map((v) => [v.variant, v.n_cases, v.delta]),
      [
        ['x-low', 0, null],
        ['x-high', 0, null],
      ],
    );
  });
});
