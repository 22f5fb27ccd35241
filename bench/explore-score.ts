import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceAnalyzer } from '../libs/faces/face-analyzer.service';
import { FaceSwapEvaluator } from '../libs/evaluator/face-swap.evaluator';
import { demoFixture, referenceTools, runTool } from '../libs/evaluator/testing/demo-fixture';
import { degrade, removeEyes } from '../libs/evaluator/testing/degradations';
import { lookUpSlotFaces } from '../libs/faces/slot-face.lookup';
import { redraw, redrawName, BENIGN_REDRAWS } from '../libs/evaluator/testing/redraws';

const KEYS = [
  'raw_align_dx',
  'raw_align_dy',
  'raw_align_scale',
  'raw_align_inliers',
  'raw_background_ssim',
  'raw_background_colour_diff',
  'identity_transfer',
  'identity_match',
  'assignment',
  'pose',
  'expression',
  'placement',
  'background',
  'seams',
  'framing',
  'face_quality',
];
async function main() {
  const only = process.argv[2];
  const fixture = await demoFixture({ validation: true });
  const analyzer = new FaceAnalyzer();
  const evaluator = new FaceSwapEvaluator(analyzer);
  const show = (label: string, r: { score: number; breakdown: Record<string, number> }) => {
    const q = Object.entries(r.breakdown)
      .filter(([k]) => k.includes('raw_quality'))
      .map(([k, v]) => k.replace(/.*raw_quality_/, '').slice(0, 3) + '=' + v.toFixed(2))
      .join(' ');
    console.log(
      '  ' +
        label.padEnd(44) +
        r.score.toFixed(1).padStart(6) +
        ' ' +
        KEYS.map((k) => r.breakdown[k].toFixed(2)).join(' ') +
        ' | ' +
        q,
    );
  };
  for (const c of fixture.cases) {
    if (only && !c.id.includes(only)) continue;
    console.log(c.id, '  ' + KEYS.map((k) => k.slice(0, 4)).join(' '));
    const paths: Record<string, string> = {};
    for (const tool of referenceTools(analyzer)) {
      paths[tool.id] = await runTool(fixture, c, tool);
      show(tool.id, await evaluator.evaluate(c, paths[tool.id]));
    }
    const good = await readFile(paths.classic_swap);
    const variants: Array<[string, Buffer]> = [];
    for (const steps of BENIGN_REDRAWS) variants.push([redrawName(steps), await redraw(good, steps)]);
    variants.push(['DAMAGE blur 3', await degrade(good, 'blur', 3)]);
    variants.push(['DAMAGE jpeg 8', await degrade(good, 'jpeg', 8)]);
    variants.push(['DAMAGE noise 24', await degrade(good, 'noise', 24)]);
    const found = await lookUpSlotFaces(analyzer, c.slots, {
      template: await readFile(c.templatePath),
      avatars: await Promise.all(c.avatarPaths.map((p) => readFile(p))),
    });
    if ('faces' in found)
      variants.push([
        'DAMAGE eyes removed',
        await removeEyes(
          good,
          found.faces.map((f) => f.template.mesh),
        ),
      ]);
    for (const [name, bytes] of variants) {
      const p = join(fixture.dir, `${c.id}-${name.replace(/[^a-z0-9]+/gi, '_')}.png`);
      await writeFile(p, bytes);
      const start = performance.now();
      show(name, await evaluator.evaluate(c, p));
    }
  }
  await analyzer.close();
}
void main();
