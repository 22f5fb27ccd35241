/**
 * Builds the blind rating set of docs/score.md: outputs of different kinds on every demo and validation
 * case, shuffled, each shown as a sheet (template | avatars | output) with a neutral number, the key kept
 * apart. `node dist/bench/blind-set.js <dir>`; rate the sheets before looking at the key or any score.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../libs/core/seeded-random';
import { FaceAnalyzer } from '../libs/faces/face-analyzer.service';
import { lookUpSlotFaces } from '../libs/faces/slot-face.lookup';
import { degrade, removeEyes } from '../test/fixtures/evaluator/degradations';
import { demoFixture, referenceTools, runTool } from '../test/fixtures/evaluator/demo-fixture';
import { BENIGN_REDRAWS, redraw, redrawName } from '../test/fixtures/evaluator/redraws';

async function main(): Promise<void> {
  const dir = process.argv[2] ?? 'blind-set';
  await mkdir(join(dir, 'sheets'), { recursive: true });
  const fixture = await demoFixture({ validation: true });
  const analyzer = new FaceAnalyzer();
  const random = seededRandom(20261130);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const items: Array<{ caseId: string; kind: string; image: Buffer }> = [];
  for (const c of fixture.cases) {
    const out: Record<string, Buffer> = {};
    for (const tool of referenceTools(analyzer))
      out[tool.id] = await readFile(await runTool(fixture, c, tool));
    const good = out.classic_swap;
    const found = await lookUpSlotFaces(analyzer, c.slots, {
      template: await readFile(c.templatePath),
      avatars: await Promise.all(c.avatarPaths.map((p) => readFile(p))),
    });
    const meshes = 'faces' in found ? found.faces.map((f) => f.template.mesh) : [];
    const benign = pick(BENIGN_REDRAWS.slice(0, 8));
    const combo = pick(BENIGN_REDRAWS.slice(8));
    const damages: Array<[string, () => Promise<Buffer>]> = [
      ['blur 3', () => degrade(good, 'blur', 3)],
      ['jpeg 8', () => degrade(good, 'jpeg', 8)],
      ['noise 24', () => degrade(good, 'noise', 24)],
      ['eyes removed', () => removeEyes(good, meshes)],
      ['blur 1.5', () => degrade(good, 'blur', 1.5)],
      ['jpeg 30', () => degrade(good, 'jpeg', 30)],
    ];
    const [d1, d2] = [pick(damages.slice(0, 4)), pick(damages.slice(4))];
    items.push(
      { caseId: c.id, kind: 'control_template', image: out.control_template },
      { caseId: c.id, kind: 'control_paste', image: out.control_paste },
      { caseId: c.id, kind: 'classic_swap', image: good },
      { caseId: c.id, kind: `classic + ${redrawName(benign)}`, image: await redraw(good, benign) },
      { caseId: c.id, kind: `classic + ${redrawName(combo)}`, image: await redraw(good, combo) },
      { caseId: c.id, kind: `classic + ${d1[0]}`, image: await d1[1]() },
      { caseId: c.id, kind: `classic + ${d2[0]}`, image: await d2[1]() },
    );
  }
  // Shuffle (Fisher–Yates, seeded), then number.
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  const key: Array<{ id: string; caseId: string; kind: string; output: string }> = [];
  for (const [n, item] of items.entries()) {
    const id = `item_${String(n + 1).padStart(2, '0')}`;
    const c = fixture.cases.find((x) => x.id === item.caseId)!;
    const output = join(dir, `${id}.png`);
    await writeFile(output, item.image);
    await writeFile(join(dir, 'sheets', `${id}.png`), await sheet(c.templatePath, c.avatarPaths, item.image));
    key.push({ id, caseId: item.caseId, kind: item.kind, output });
  }
  await writeFile(join(dir, 'key.json'), JSON.stringify(key, null, 2));
  await analyzer.close();
  console.log(`${items.length} sheets in ${join(dir, 'sheets')}`);
}

/** Template, avatars and output side by side, each 360 px high, on white. */
async function sheet(templatePath: string, avatarPaths: string[], output: Buffer): Promise<Buffer> {
  const height = 360;
  const tiles = await Promise.all(
    [await readFile(templatePath), ...(await Promise.all(avatarPaths.map((p) => readFile(p)))), output].map(
      async (bytes, i, all) => {
        const h = i === 0 || i === all.length - 1 ? height : 160;
        const image = await sharp(bytes).resize({ height: h }).png().toBuffer();
        const { width } = await sharp(image).metadata();
        return { image, width, height: h };
      },
    ),
  );
  const gap = 12;
  const width = tiles.reduce((s, t) => s + t.width + gap, gap);
  let left = gap;
  const layers = tiles.map((t) => {
    const layer = { input: t.image, left, top: gap };
    left += t.width + gap;
    return layer;
  });
  return sharp({ create: { width, height: height + 2 * gap, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toBuffer();
}

void main();
