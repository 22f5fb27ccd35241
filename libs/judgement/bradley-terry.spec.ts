import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitBradleyTerry, standings, type PairOutcome } from './bradley-terry';

function votes(a: string, b: string, aWins: number, bWins: number, ties = 0): PairOutcome[] {
  return [
    ...Array.from({ length: aWins }, () => ({ a, b, scoreA: 1 })),
    ...Array.from({ length: bWins }, () => ({ a, b, scoreA: 0 })),
    ...Array.from({ length: ties }, () => ({ a, b, scoreA: 0.5 })),
  ];
}

describe('Bradley–Terry', () => {
  it('two variants: the strengths are in the ratio of the wins (3 : 1 is 400·log10 3 Elo points)', () => {
    // With two players the likelihood p^3 q / (p + q)^4 peaks at p/q = 3 (solve d/dp log L = 0 by hand).
    // The default fit adds 0.1 of a virtual tie: 3.05 wins to 1.05, so p/q = 3.05 / 1.05.
    const fit = standings(['a', 'b'], votes('a', 'b', 3, 1));
    const [a, b] = fit;
    assert.ok(
      Math.abs(a.rating - b.rating - 400 * Math.log10(3.05 / 1.05)) < 1e-6,
      `${a.rating} ${b.rating}`,
    );
    assert.ok(Math.abs(a.rating + b.rating - 2000) < 1e-6, 'centred on 1000');
    const exact = fitBradleyTerry(['a', 'b'], votes('a', 'b', 3, 1), 0);
    assert.ok(Math.abs((exact.get('a') as number) / (exact.get('b') as number) - 3) < 1e-9);
    assert.deepEqual([a.wins, a.losses, a.ties, b.wins, b.losses], [3, 1, 0, 1, 3]);
  });

  it('the MLE meets the stationarity condition W_i = Σ_j n_ij p_i / (p_i + p_j), ties as half wins', () => {
    const outcomes = [
      ...votes('x', 'y', 5, 2, 2),
      ...votes('y', 'z', 4, 3, 1),
      ...votes('x', 'z', 6, 1, 3),
      ...votes('z', 'w', 2, 2, 0),
      ...votes('x', 'w', 3, 1, 1),
    ];
    const names = ['x', 'y', 'z', 'w'];
    const p = fitBradleyTerry(names, outcomes, 0);
    for (const i of names) {
      let won = 0;
      let expected = 0;
      for (const o of outcomes) {
        if (o.a !== i && o.b !== i) continue;
        const j = o.a === i ? o.b : o.a;
        won += o.a === i ? o.scoreA : 1 - o.scoreA;
        expected += (p.get(i) as number) / ((p.get(i) as number) + (p.get(j) as number));
      }
      assert.ok(Math.abs(won - expected) < 1e-7, `${i}: ${won} vs ${expected}`);
    }
  });

  it('A beats B 80% and B beats C 80%: A > B > C with intervals that do not overlap', () => {
    const outcomes = [...votes('B', 'A', 40, 160), ...votes('C', 'B', 40, 160)];
    const table = standings(['C', 'B', 'A'], outcomes);
    const by = new Map(table.map((s) => [s.variant, s]));
    const [a, b, c] = ['A', 'B', 'C'].map((v) => by.get(v) as (typeof table)[number]);
    assert.ok(a.rating > b.rating && b.rating > c.rating);
    // 4 : 1 odds are 400·log10 4 ≈ 241 points a step.
    assert.ok(Math.abs(a.rating - b.rating - 241) < 15 && Math.abs(b.rating - c.rating - 241) < 15);
    assert.ok(
      (a.ci_low as number) > (b.ci_high as number),
      `A ${a.ci_low}..${a.ci_high} B ${b.ci_low}..${b.ci_high}`,
    );
    assert.ok((b.ci_low as number) > (c.ci_high as number));
    for (const s of table) assert.ok((s.ci_low as number) <= s.rating && s.rating <= (s.ci_high as number));
    // Seeded: the same votes give the same intervals.
    assert.deepEqual(standings(['C', 'B', 'A'], outcomes), table);
  });

  it('with few votes the same order has overlapping intervals; a variant that always lost stays finite', () => {
    const outcomes = [...votes('A', 'B', 4, 1), ...votes('B', 'C', 4, 1)];
    const by = new Map(standings(['A', 'B', 'C'], outcomes).map((s) => [s.variant, s]));
    assert.ok((by.get('A')?.ci_low as number) < (by.get('B')?.ci_high as number));
    const swept = standings(['A', 'B'], votes('A', 'B', 5, 0));
    assert.ok(swept.every((s) => Number.isFinite(s.rating)) && swept[0].rating > swept[1].rating);
  });
});
