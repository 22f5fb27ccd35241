/**
 * Identity bench (docs/score.md, scorer 3): on every demo and validation case, the classic swap with the
 * right avatars against the same tool given another person's avatar at a slot, the people exchanged,
 * only one of several people swapped, one face smeared, and the paste at half opacity (a ghost); each
 * with its verdicts, and ✗ where a target is missed. `npm run bench -- score` runs it beside score.bench.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TestCase } from '../libs/cases/test-case';
import { FaceAnalyzer } from '../libs/faces/face-analyzer.service';
import { FaceSwapEvaluator } from '../libs/evaluator/face-swap.evaluator';
import type { SwapScore } from '../libs/evaluator/swap-evaluator';
import { smearFace } from '../test/fixtures/evaluator/degradations';
import {
  demoFixture,
  referenceTools,
  runTool,
  slotFacesOf,
  distinctAvatarPictures,
} from '../test/fixtures/evaluator/demo-fixture';
import {
  exchanged,
  ghostOf,
  onlyOneSwapped,
  withAvatar,
  personIn,
} from '../test/fixtures/evaluator/identity-outputs';

/** Targets of the issue that introduced scorer 3, in points. */
const TARGET = { overStranger: 15, strangerAtMost: 40, overExchanged: 15, overHalf: 10, ghostAtMost: 30 };

function verdicts(result: SwapScore, testCase: TestCase): string {
  return testCase.slots
    .map((s) => {
      const verdict = result.breakdown[`slot.${s.id}.identity_verdict`] ?? 'no face';
      const cos = result.breakdown[`slot.${s.id}.raw_identity_cos_avatar`];
      return `${verdict}${typeof cos === 'number' ? ` ${cos.toFixed(2)}` : ''}`;
    })
    .join(', ');
}

async function main(): Promise<void> {
  const fixture = await demoFixture({ validation: true });
  const analyzer = new FaceAnalyzer();
  const evaluator = new FaceSwapEvaluator(analyzer);
  const [, paste, classic] = referenceTools(analyzer);
  const pictures = await distinctAvatarPictures(fixture.cases);
  let misses = 0;
  const mark = (ok: boolean) => {
    if (!ok) misses++;
    return ok ? '' : ' ✗';
  };
  try {
    for (const testCase of fixture.cases) {
      const scoreOf = async (path: string) => evaluator.evaluate(testCase, path);
      const line = (label: string, result: SwapScore, flag = '') =>
        console.log(
          `  ${label.padEnd(34)} ${result.score.toFixed(1).padStart(5)}${flag.padEnd(2)}  ${verdicts(result, testCase)}`,
        );
      const right = await scoreOf(await runTool(fixture, testCase, classic));
      const pasted = await runTool(fixture, testCase, paste);
      console.log(
        `\n${testCase.id} (${testCase.slots.length} ${testCase.slots.length === 1 ? 'person' : 'people'})`,
      );
      line('classic swap, right avatars', right);
      line('control_paste', await scoreOf(pasted));
      const ghostPath = join(fixture.dir, `${testCase.id}-ghost.png`);
      await writeFile(ghostPath, await ghostOf(pasted, testCase.templatePath));
      const ghost = await scoreOf(ghostPath);
      line('paste at half opacity (ghost)', ghost, mark(ghost.score <= TARGET.ghostAtMost));

      for (const [k, slot] of testCase.slots.entries()) {
        const own = personIn(testCase.avatarPaths[k]);
        for (const [n, path] of pictures.entries()) {
          if (personIn(path) === own) continue;
          const output = await withAvatar(fixture, testCase, classic, k, path, `${slot.id}-other${n}`);
          const result = await scoreOf(output);
          const ok =
            result.score <= TARGET.strangerAtMost && right.score - result.score >= TARGET.overStranger;
          line(`${slot.id} given ${personIn(path)} (${basename(path)})`, result, mark(ok));
        }
      }
      if (testCase.slots.length > 1) {
        const swappedAround = await scoreOf(await exchanged(fixture, testCase, classic));
        line(
          'people exchanged',
          swappedAround,
          mark(right.score - swappedAround.score >= TARGET.overExchanged),
        );
        for (const [k, slot] of testCase.slots.entries()) {
          const half = await scoreOf(await onlyOneSwapped(fixture, testCase, classic, k));
          line(`only ${slot.id} swapped`, half, mark(right.score - half.score >= TARGET.overHalf));
        }
      }
      const found = await slotFacesOf(analyzer, testCase);
      if ('faces' in found) {
        const good = await readFile(join(fixture.dir, `${testCase.id}__classic_swap.png`));
        for (const [k, slot] of testCase.slots.entries()) {
          const path = join(fixture.dir, `${testCase.id}-smeared-${slot.id}.png`);
          await writeFile(path, await smearFace(good, found.faces[k].template.mesh));
          line(`${slot.id}'s eyes and nose smeared`, await scoreOf(path));
        }
      }
    }
    console.log(`\n${misses} target(s) missed (✗)`);
  } finally {
    await analyzer.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
