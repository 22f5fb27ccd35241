import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planSyntheticCase, portraitPrompt, scenePrompt } from './synthetic-people';

describe('synthetic case plans', () => {
  test('are deterministic for a seed and index, with 1–3 people and other people as avatars', () => {
    assert.deepEqual(planSyntheticCase(3, 5), planSyntheticCase(3, 5));
    const counts = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const plan = planSyntheticCase(1, i);
      counts.add(plan.people.length);
      assert.equal(plan.avatars.length, plan.people.length);
      const all = [...plan.people, ...plan.avatars].map((d) => d.replace(/^a \S+ /, '').split(',')[0]);
      assert.equal(new Set(all).size, all.length, 'every person of a case looks different');
    }
    assert.deepEqual([...counts].sort(), [1, 2, 3]);
  });

  test('prompts ask for the exact number of fictional people', () => {
    const plan = { scene: 'a park', people: ['a young man', 'an old woman'], avatars: ['x', 'y'] };
    assert.match(
      scenePrompt(plan),
      /exactly 2 people .*first from the left, a young man; second from the left/,
    );
    assert.match(scenePrompt(plan), /fictional/);
    assert.match(portraitPrompt('a teenage woman'), /portrait .*a teenage woman.*Only one person/);
  });
});
