import { writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceAnalyzer } from '../libs/faces/face-analyzer.service';
import { FaceSwapEvaluator } from '../libs/evaluator/face-swap.evaluator';
import { demoFixture, referenceTools, runTool } from '../libs/evaluator/testing/demo-fixture';

async function main() {
  const fixture = await demoFixture({ validation: true });
  const analyzer = new FaceAnalyzer();
  const evaluator = new FaceSwapEvaluator(analyzer);
  for (const c of fixture.cases) {
    console.log(c.id, c.width, c.height, JSON.stringify(c.slots.map((s) => s.box)));
    console.log('  unscorable:', await evaluator.unscorable(c));
    await copyFile(c.templatePath, `/tmp/sb/${c.id}_template.png`);
    for (const tool of referenceTools(analyzer)) {
      try {
        const path = await runTool(fixture, c, tool);
        await copyFile(path, `/tmp/sb/${c.id}_${tool.id}.png`);
        const r = await evaluator.evaluate(c, path);
        console.log('  ', tool.id, r.score);
      } catch (e) { console.log('  ', tool.id, (e as Error).message); }
    }
  }
  await analyzer.close();
}
void main();
