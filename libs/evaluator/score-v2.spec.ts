import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FaceAnalyzer } from '../faces/face-analyzer.service';
import { FaceSwapEvaluator } from './face-swap.evaluator';
import { degrade, removeEyes } from '../../test/fixtures/evaluator/degradations';
import {
  demoFixture,
  referenceTools,
  runTool,
  type DemoFixture,
  slotFacesOf,
} from '../../test/fixtures/evaluator/demo-fixture';
import { BENIGN_REDRAWS, redraw, redrawName } from '../../test/fixtures/evaluator/redraws';

describe('machine score: redraws, damage and small faces', () => {
  const analyzer = new FaceAnalyzer();
  const evaluator = new FaceSwapEvaluator(analyzer);
  let fixture: DemoFixture;
  const good = new Map<string, string>();
  const paste = new Map<string, number>();
  // Where docs/score.md reports the targets met (its tables list the cases where they are not). The
  // targets are a good swap's: the classic swap is one on these cases (judged the avatar's person).
  const CASES = ['demo_solo_astronaut', 'demo_solo_hopper'];

  before(async () => {
    fixture = await demoFixture({ validation: true });
    const [, pasteTool, classic] = referenceTools(analyzer);
    for (const id of CASES) {
      const testCase = caseById(id);
      good.set(id, await runTool(fixture, testCase, classic));
      paste.set(id, (await evaluator.evaluate(testCase, await runTool(fixture, testCase, pasteTool))).score);
    }
  });
  after(() => analyzer.close());

  const caseById = (id: string) => fixture.cases.find((c) => c.id === id)!;
  const scoreOf = async (id: string, image: Buffer, name: string) => {
    const path = join(fixture.dir, `${id}-${name.replace(/[^a-z0-9-]+/gi, '_')}.png`);
    await writeFile(path, image);
    return evaluator.evaluate(caseById(id), path);
  };

  it('keeps a good swap within max(5 points, 10%) under benign redraws, and above the paste', async () => {
    const failures: string[] = [];
    for (const id of CASES) {
      const clean = (await evaluator.evaluate(caseById(id), good.get(id)!)).score;
      const bytes = await readFile(good.get(id)!);
      for (const steps of BENIGN_REDRAWS) {
        const name = redrawName(steps);
        const { score } = await scoreOf(id, await redraw(bytes, steps), name);
        const allowed = Math.max(5, 0.1 * clean);
        if (Math.abs(score - clean) > allowed || score <= paste.get(id)!)
          failures.push(`${id} ${name}: ${score} (clean ${clean}, paste ${paste.get(id)})`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('scores blur σ 3, JPEG 8, noise σ 24 and removed eyes at most 60% of the clean swap', async () => {
    const failures: string[] = [];
    for (const id of CASES) {
      const clean = (await evaluator.evaluate(caseById(id), good.get(id)!)).score;
      const bytes = await readFile(good.get(id)!);
      const found = await slotFacesOf(analyzer, caseById(id));
      assert.ok('faces' in found);
      const damaged: Array<[string, Buffer]> = [
        ['blur 3', await degrade(bytes, 'blur', 3)],
        ['jpeg 8', await degrade(bytes, 'jpeg', 8)],
        ['noise 24', await degrade(bytes, 'noise', 24)],
        [
          'eyes removed',
          await removeEyes(
            bytes,
            found.faces.map((f) => f.template.mesh),
          ),
        ],
      ];
      for (const [name, image] of damaged) {
        const { score } = await scoreOf(id, image, name);
        if (score > 0.6 * clean) failures.push(`${id} ${name}: ${score} (clean ${clean})`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('finds a small near-profile template face with a closer look, and scores the unchanged template near 0', async () => {
    const filming = caseById('val_filming');
    const found = await slotFacesOf(analyzer, filming);
    assert.ok('faces' in found, JSON.stringify(found));
    assert.deepEqual(await evaluator.unscorable(filming), []);
    const [template, , classic] = referenceTools(analyzer);
    const unchanged = await evaluator.evaluate(filming, await runTool(fixture, filming, template));
    const swapped = await evaluator.evaluate(filming, await runTool(fixture, filming, classic));
    assert.ok(unchanged.score <= 5, `unchanged template ${unchanged.score}`);
    assert.ok(swapped.score > unchanged.score && swapped.breakdown.faces_found === 1);
  });
});
