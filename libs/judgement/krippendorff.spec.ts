import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { krippendorffAlpha } from './krippendorff';

/**
 * The reliability data of Krippendorff's worked example ("Computing Krippendorff's Alpha-Reliability",
 * 2011, section C): observers A–D, 12 units, values 1–5, missing ratings left out. The paper gives
 * α = 0.743 (nominal), 0.815 (ordinal) and 0.849 (interval) for it.
 */
const PAPER_UNITS: number[][] = [
  [1, 1, 1], // unit 1: A, B, D (C missing)
  [2, 2, 3, 2],
  [3, 3, 3, 3],
  [3, 3, 3, 3],
  [2, 2, 2, 2],
  [1, 2, 3, 4],
  [4, 4, 4, 4],
  [1, 1, 2, 1],
  [2, 2, 2, 2],
  [5, 5, 5], // unit 10: B, C, D
  [1, 1], // unit 11: C, D
  [3], // unit 12: B only, not pairable
];

describe("Krippendorff's alpha", () => {
  it("matches the published values of Krippendorff's worked example (nominal, ordinal, interval)", () => {
    const nominal = krippendorffAlpha(PAPER_UNITS, 'nominal');
    assert.equal(nominal.alpha?.toFixed(3), '0.743');
    assert.equal(krippendorffAlpha(PAPER_UNITS, 'ordinal').alpha?.toFixed(3), '0.815');
    assert.equal(krippendorffAlpha(PAPER_UNITS, 'interval').alpha?.toFixed(3), '0.849');
    // Unit 12 has one value: 11 pairable units holding n = 40 values, as in the paper.
    assert.equal(nominal.pairableUnits, 11);
    assert.equal(nominal.pairableValues, 40);
  });

  it('equals the value computed by hand for three raters (ordinal)', () => {
    // Three raters, three items: {1,1,2}, {2,2,2}, {3,3,3}. Coincidences (1/(m−1) = 1/2 per ordered pair):
    // o11 = 1, o12 = o21 = 1, o22 = 3, o33 = 3; marginals n1 = 2, n2 = 4, n3 = 3, n = 9.
    // Ordinal δ²: δ12 = (6 − 3)² = 9, δ13 = (9 − 2.5)² = 42.25, δ23 = (7 − 3.5)² = 12.25.
    // Observed Σ o·δ² = 2 · 9 = 18; expected Σ n_c n_k δ² = 2 (8·9 + 6·42.25 + 12·12.25) = 945.
    // α = 1 − (n − 1) · 18 / 945 = 1 − 144/945 = 89/105.
    const result = krippendorffAlpha(
      [
        [1, 1, 2],
        [2, 2, 2],
        [3, 3, 3],
      ],
      'ordinal',
    );
    assert.ok(result.alpha !== null && Math.abs(result.alpha - 89 / 105) < 1e-12, String(result.alpha));
  });

  it('is 1 for perfect agreement, below 0 for systematic disagreement, and null without variation or pairs', () => {
    assert.equal(
      krippendorffAlpha(
        [
          [1, 1],
          [3, 3],
          [5, 5],
        ],
        'ordinal',
      ).alpha,
      1,
    );
    const opposed = krippendorffAlpha(
      [
        [1, 5],
        [5, 1],
        [1, 5],
      ],
      'ordinal',
    ).alpha;
    assert.ok(opposed !== null && opposed < 0);
    assert.equal(
      krippendorffAlpha(
        [
          [4, 4],
          [4, 4],
        ],
        'ordinal',
      ).alpha,
      null,
    );
    assert.equal(krippendorffAlpha([[4], [2]], 'ordinal').alpha, null);
  });
});
