/**
 * Agreement of the machine score with a blind rating set (see blind-set.ts): scores every output of the
 * set with the current scorer and prints Spearman(stars, score), overall and without the unchanged
 * templates. `node dist/bench/blind-agreement.js <set dir> <ratings.json>`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceAnalyzer } from '../libs/faces/face-analyzer.service';
import { FaceSwapEvaluator } from '../libs/evaluator/face-swap.evaluator';
import { demoFixture } from '../test/fixtures/evaluator/demo-fixture';
import { spearmanRho } from '../libs/report/run-stats';

async function main(): Promise<void> {
  const [dir, ratingsPath] = process.argv.slice(2);
  const key = JSON.parse(await readFile(join(dir, 'key.json'), 'utf8')) as Array<{
    id: string;
    caseId: string;
    kind: string;
    output: string;
  }>;
  const ratings = JSON.parse(await readFile(ratingsPath, 'utf8')) as Record<string, number>;
  const fixture = await demoFixture({ validation: true });
  const analyzer = new FaceAnalyzer();
  const evaluator = new FaceSwapEvaluator(analyzer);
  const rows: Array<{ id: string; kind: string; stars: number; score: number }> = [];
  for (const item of key) {
    const testCase = fixture.cases.find((c) => c.id === item.caseId)!;
    const { score } = await evaluator.evaluate(testCase, item.output);
    rows.push({ id: item.id, kind: `${item.caseId} ${item.kind}`, stars: ratings[item.id], score });
  }
  await analyzer.close();
  for (const r of [...rows].sort((a, b) => b.score - a.score))
    console.log(`${r.id}  ${String(r.stars)}★  ${r.score.toFixed(1).padStart(5)}  ${r.kind}`);
  const swaps = rows.filter((r) => !r.kind.endsWith('control_template'));
  console.log(`\nSpearman(stars, score), all ${rows.length}: ${spearman(rows).toFixed(3)}`);
  console.log(`without the unchanged templates (${swaps.length}): ${spearman(swaps).toFixed(3)}`);
}

/** Spearman's rank correlation of stars and score (the report's own, ties at their mean rank). */
function spearman(rows: Array<{ stars: number; score: number }>): number {
  return (
    spearmanRho(
      rows.map((r) => r.stars),
      rows.map((r) => r.score),
    ) ?? NaN
  );
}

void main();
