/**
 * Agreement of the machine score with a blind rating set (see blind-set.ts): scores every output of the
 * set with the current scorer and prints Spearman(stars, score), overall and without the unchanged
 * templates. `node dist/bench/blind-agreement.js <set dir> <ratings.json>`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceAnalyzer } from '../libs/faces/face-analyzer.service';
import { FaceSwapEvaluator } from '../libs/evaluator/face-swap.evaluator';
import { demoFixture } from '../libs/evaluator/testing/demo-fixture';

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

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation with average ranks for ties (Pearson on the ranks). */
function spearman(rows: Array<{ stars: number; score: number }>): number {
  const a = ranks(rows.map((r) => r.stars));
  const b = ranks(rows.map((r) => r.score));
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(a), mean(b)];
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

void main();
