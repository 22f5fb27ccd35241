/**
 * Builds the blind rating set of docs/score.md: outputs of different kinds on every demo and validation
 * case, shuffled, each shown as a sheet (template | avatars | output) with a neutral number, the key kept
 * apart. `node dist/bench/blind-set.js <dir>`; rate the sheets before looking at the key or any score.
 * `--sets identity` makes the second set (scorer 3) instead: who is in the photo — the right avatars'
 * swap, another person's avatar at a slot (also redrawn), the people exchanged, one person of several
 * swapped, a face smeared, the paste at half opacity — seeded apart from the first; `--sets
 * base,identity` both sets in one shuffle, for one rater. Each sheet shows the whole pictures and, per
 * person, the template's face, the avatar and the output at that place, enlarged.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '../libs/core/seeded-random';
import { FaceAnalyzer } from '../libs/faces/face-analyzer.service';
import { degrade, removeEyes } from '../test/fixtures/evaluator/degradations';
import {
  demoFixture,
  referenceTools,
  runTool,
  type DemoFixture,
  slotFacesOf,
} from '../test/fixtures/evaluator/demo-fixture';
import type { TestCase } from '../libs/cases/test-case';
import { BENIGN_REDRAWS, redraw, redrawName } from '../test/fixtures/evaluator/redraws';
import {
  exchanged,
  ghostOf,
  onlyOneSwapped,
  withAvatar,
  personIn,
} from '../test/fixtures/evaluator/identity-outputs';
import { smearFace } from '../test/fixtures/evaluator/degradations';

async function main(): Promise<void> {
  const dir = process.argv[2] ?? 'blind-set';
  const setsAt = process.argv.indexOf('--sets');
  const sets = setsAt > 0 ? process.argv[setsAt + 1].split(',') : ['base'];
  await mkdir(join(dir, 'sheets'), { recursive: true });
  const fixture = await demoFixture({ validation: true });
  const analyzer = new FaceAnalyzer();
  const items: Item[] = [];
  for (const set of sets) {
    if (set !== 'base' && set !== 'identity') throw new Error(`--sets takes base and identity, got ${set}`);
    const random = seededRandom(set === 'identity' ? 20261207 : 20261130);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const made: Item[] = [];
    for (const c of fixture.cases)
      made.push(...(await (set === 'identity' ? identityItems : baseItems)(fixture, c, analyzer, pick)));
    items.push(...(sets.length === 1 ? shuffled(made, random) : made));
  }
  const all = sets.length === 1 ? items : shuffled(items, seededRandom(20261208));
  const key: Array<{ id: string; caseId: string; kind: string; output: string }> = [];
  const digits = all.length > 99 ? 3 : 2;
  for (const [n, item] of all.entries()) {
    const id = `item_${String(n + 1).padStart(digits, '0')}`;
    const c = fixture.cases.find((x) => x.id === item.caseId)!;
    const output = join(dir, `${id}.png`);
    await writeFile(output, item.image);
    await writeFile(join(dir, 'sheets', `${id}.png`), await sheet(c, item.image));
    key.push({ id, caseId: item.caseId, kind: item.kind, output });
  }
  await writeFile(join(dir, 'key.json'), JSON.stringify(key, null, 2));
  await analyzer.close();
  console.log(`${all.length} sheets in ${join(dir, 'sheets')}`);
}

interface Item {
  caseId: string;
  kind: string;
  image: Buffer;
}

/** Fisher–Yates, seeded. */
function shuffled<T>(list: T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The first set's outputs for one case (see the file's comment). */
async function baseItems(
  fixture: DemoFixture,
  c: TestCase,
  analyzer: FaceAnalyzer,
  pick: <T>(list: readonly T[]) => T,
): Promise<Item[]> {
  const items: Item[] = [];
  const out: Record<string, Buffer> = {};
  for (const tool of referenceTools(analyzer)) out[tool.id] = await readFile(await runTool(fixture, c, tool));
  const good = out.classic_swap;
  const found = await slotFacesOf(analyzer, c);
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
  return items;
}

/** The second set's outputs for one case (see the file's comment). */
async function identityItems(
  fixture: DemoFixture,
  c: TestCase,
  analyzer: FaceAnalyzer,
  pick: <T>(list: readonly T[]) => T,
): Promise<Item[]> {
  const [, paste, classic] = referenceTools(analyzer);
  const good = await readFile(await runTool(fixture, c, classic));
  const pasted = await runTool(fixture, c, paste);
  const slot = pick(c.slots.map((_, i) => i));
  const pictures = [...new Set(fixture.cases.flatMap((x) => x.avatarPaths))];
  const stranger = pick(pictures.filter((p) => personIn(p) !== personIn(c.avatarPaths[slot])));
  const wrong = await readFile(await withAvatar(fixture, c, classic, slot, stranger, 'blind-stranger'));
  const benign = pick(BENIGN_REDRAWS);
  const found = await slotFacesOf(analyzer, c);
  const smearAt = pick(c.slots.map((_, i) => i));
  const items = [
    { caseId: c.id, kind: 'classic_swap', image: good },
    { caseId: c.id, kind: `${c.slots[slot].id} given ${personIn(stranger)}`, image: wrong },
    {
      caseId: c.id,
      kind: `${c.slots[slot].id} given ${personIn(stranger)} + ${redrawName(benign)}`,
      image: await redraw(wrong, benign),
    },
    { caseId: c.id, kind: 'paste at half opacity', image: await ghostOf(pasted, c.templatePath) },
  ];
  if ('faces' in found)
    items.push({
      caseId: c.id,
      kind: `${c.slots[smearAt].id} smeared`,
      image: await smearFace(good, found.faces[smearAt].template.mesh),
    });
  if (c.slots.length > 1) {
    const only = pick(c.slots.map((_, i) => i));
    items.push(
      { caseId: c.id, kind: 'people exchanged', image: await readFile(await exchanged(fixture, c, classic)) },
      {
        caseId: c.id,
        kind: `only ${c.slots[only].id} swapped`,
        image: await readFile(await onlyOneSwapped(fixture, c, classic, only)),
      },
    );
  }
  return items;
}

/**
 * One sheet: template, avatars and output side by side (360 px high), and below them, per person, the
 * template's face, the avatar and the output at that place, each 200 px, so that small faces can be judged.
 */
async function sheet(c: TestCase, output: Buffer): Promise<Buffer> {
  const gap = 12;
  const tile = async (bytes: Buffer, height: number, box?: readonly number[]) => {
    let image = sharp(bytes);
    if (box) {
      const { width = 1, height: h = 1 } = await sharp(bytes).metadata();
      const [k, kh] = [width / c.width, h / c.height];
      const grow = 0.6 * Math.max(box[2], box[3]);
      const left = Math.max(0, Math.floor((box[0] - grow) * k));
      const top = Math.max(0, Math.floor((box[1] - grow) * kh));
      image = image.extract({
        left,
        top,
        width: Math.min(width - left, Math.ceil((box[2] + 2 * grow) * k)),
        height: Math.min(h - top, Math.ceil((box[3] + 2 * grow) * kh)),
      });
    }
    const png = await image
      .resize({ width: box ? height : undefined, height, fit: 'contain', background: '#ffffff' })
      .png()
      .toBuffer();
    const meta = await sharp(png).metadata();
    return { image: png, width: meta.width ?? height, height };
  };
  const template = await readFile(c.templatePath);
  const avatars = await Promise.all(c.avatarPaths.map((p) => readFile(p)));
  const rows = [
    [
      await tile(template, 360),
      ...(await Promise.all(avatars.map((a) => tile(a, 160)))),
      await tile(output, 360),
    ],
    ...(await Promise.all(
      c.slots.map(async (slot, i) => [
        await tile(template, 200, slot.box),
        await tile(avatars[i], 200),
        await tile(output, 200, slot.box),
      ]),
    )),
  ];
  const layers: sharp.OverlayOptions[] = [];
  let top = gap;
  let width = 0;
  for (const row of rows) {
    let left = gap;
    for (const t of row) {
      layers.push({ input: t.image, left, top });
      left += t.width + gap;
    }
    width = Math.max(width, left);
    top += Math.max(...row.map((t) => t.height)) + gap;
  }
  return sharp({ create: { width, height: top, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .png()
    .toBuffer();
}

void main();
