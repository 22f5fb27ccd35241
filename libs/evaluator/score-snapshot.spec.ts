import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../core/package-root';
import { FaceAnalyzer } from '../faces/face-analyzer.service';
import { degrade } from '../../test/fixtures/evaluator/degradations';
import { demoFixture, referenceTools, runTool } from '../../test/fixtures/evaluator/demo-fixture';
import { redraw, type Redraw } from '../../test/fixtures/evaluator/redraws';
import { FaceSwapEvaluator } from './face-swap.evaluator';
import { SCORER_VERSION, WEIGHTS } from './score.calibration';

/**
 * The scores of the validation outputs, pinned: any change that moves a score or a part fails here
 * unless `SCORER_VERSION` is raised and the snapshot made again (`UPDATE_SCORE_SNAPSHOT=1 node --test
 * dist/libs/evaluator/score-snapshot.spec.js`), so that stored scores never change meaning silently.
 */
const SNAPSHOT = join(packageRoot(), 'test', 'fixtures', 'evaluator', 'score-snapshot.json');

/** Differences the identity model's CPU kernels may make from one processor to another. */
const SCORE_TOLERANCE = 0.05;
const PART_TOLERANCE = 0.002;

interface Pinned {
  score: number;
  parts: Record<string, number | string>;
}

const KEPT = [...Object.keys(WEIGHTS), 'identity_gate'];
const REDRAWS: Array<[string, Redraw[]]> = [
  ['shift 3%', [{ kind: 'shift', x: 0.03, y: 0 }]],
  ['regrade', [{ kind: 'regrade' }]],
];

describe('the score snapshot', () => {
  const analyzer = new FaceAnalyzer();
  const evaluator = new FaceSwapEvaluator(analyzer);
  const scored = new Map<string, Pinned>();

  before(async () => {
    const fixture = await demoFixture({ validation: true });
    for (const testCase of fixture.cases) {
      const pin = async (kind: string, path: string) => {
        const { score, breakdown } = await evaluator.evaluate(testCase, path);
        const parts = Object.fromEntries(
          Object.entries(breakdown).filter(([k]) => KEPT.includes(k) || k.endsWith('.identity_verdict')),
        );
        scored.set(`${testCase.id} ${kind}`, { score, parts });
      };
      const byTool = new Map<string, string>();
      for (const tool of referenceTools(analyzer)) {
        byTool.set(tool.id, await runTool(fixture, testCase, tool));
        await pin(tool.id, byTool.get(tool.id)!);
      }
      const good = await readFile(byTool.get('classic_swap')!);
      const variants: Array<[string, Buffer]> = [
        ...(await Promise.all(
          REDRAWS.map(async ([name, steps]): Promise<[string, Buffer]> => [name, await redraw(good, steps)]),
        )),
        ['blur 3', await degrade(good, 'blur', 3)],
      ];
      for (const [name, image] of variants) {
        const path = join(fixture.dir, `${testCase.id}-snapshot-${name.replace(/\W+/g, '_')}.png`);
        await writeFile(path, image);
        await pin(`classic_swap + ${name}`, path);
      }
    }
    if (process.env.UPDATE_SCORE_SNAPSHOT) {
      const outputs = Object.fromEntries([...scored].sort(([a], [b]) => a.localeCompare(b)));
      await writeFile(SNAPSHOT, `${JSON.stringify({ scorer_version: SCORER_VERSION, outputs }, null, 1)}\n`);
    }
  });
  after(() => analyzer.close());

  it('holds every validation output at its pinned score and parts for this scorer version', async () => {
    const pinned = JSON.parse(await readFile(SNAPSHOT, 'utf8')) as {
      scorer_version: string;
      outputs: Record<string, Pinned>;
    };
    assert.equal(
      pinned.scorer_version,
      SCORER_VERSION,
      `The snapshot pins scorer ${pinned.scorer_version}, this is ${SCORER_VERSION}: make it again (see score-snapshot.spec.ts)`,
    );
    const moved: string[] = [];
    for (const [name, want] of Object.entries(pinned.outputs)) {
      const got = scored.get(name);
      if (!got) {
        moved.push(`${name}: not scored`);
        continue;
      }
      if (Math.abs(got.score - want.score) > SCORE_TOLERANCE)
        moved.push(`${name}: ${want.score} → ${got.score}`);
      for (const [part, value] of Object.entries(want.parts)) {
        const now = got.parts[part];
        const same =
          typeof value === 'number' && typeof now === 'number'
            ? Math.abs(now - value) <= PART_TOLERANCE
            : now === value;
        if (!same) moved.push(`${name} ${part}: ${value} → ${String(now)}`);
      }
    }
    assert.equal(scored.size, Object.keys(pinned.outputs).length, 'the same outputs as the snapshot');
    assert.deepEqual(moved, [], `Scores moved without SCORER_VERSION (${SCORER_VERSION}) being raised`);
  });
});
