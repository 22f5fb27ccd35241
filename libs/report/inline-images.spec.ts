import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { REPORT_IMAGE_BUDGET } from '../report-images/report-variants';
import { VARIANT_CACHE_FOLDER, VariantCache } from '../report-images/variant-cache';
import { InlineImages, parallelEncodes } from './inline-images';

async function png(width: number, height: number, red: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: red, g: 90, b: 160 } } })
    .png()
    .toBuffer();
}

async function dimensions(dataUri: string | null): Promise<[number, number]> {
  assert.ok(dataUri?.startsWith('data:image/webp;base64,'), 'a WebP data URI');
  const meta = await sharp(Buffer.from((dataUri as string).split(',')[1], 'base64')).metadata();
  return [meta.width, meta.height];
}

describe('InlineImages', () => {
  let root: string;
  let folders: { datasets: string; runs: string };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'swapbench-inline-'));
    folders = { datasets: join(root, 'datasets'), runs: join(root, 'runs') };
    await mkdir(join(folders.runs, 'd', 'tool'), { recursive: true });
    await mkdir(join(folders.datasets, 'c1'), { recursive: true });
    const big = await png(1600, 1200, 200);
    await writeFile(join(folders.runs, 'd', 'tool', 'a.png'), big);
    await writeFile(join(folders.runs, 'd', 'tool', 'copy-of-a.png'), big);
    await writeFile(join(folders.runs, 'd', 'tool', 'b.png'), await png(1600, 1200, 20));
    await writeFile(join(folders.runs, 'd', 'tool', 'small.png'), await png(200, 100, 20));
    await writeFile(join(folders.runs, 'd', 'tool', 'broken.png'), Buffer.from('not an image'));
    await writeFile(join(folders.datasets, 'c1', 'template.png'), big);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('makes a thumbnail and a full-size image within the budget, never enlarging', async () => {
    const images = new InlineImages(folders);
    const out = await images.output('/runs/d/tool/a.png');
    assert.deepEqual(await dimensions(out.thumb), [REPORT_IMAGE_BUDGET.thumb.width, 240]);
    assert.deepEqual(await dimensions(out.full), [REPORT_IMAGE_BUDGET.full.width, 672]);
    const small = await images.output('/runs/d/tool/small.png');
    assert.deepEqual(await dimensions(small.full), [200, 100]);
  });

  it("makes a file's images once however many items use it, and identical bytes under two names once", async () => {
    await rm(join(folders.runs, VARIANT_CACHE_FOLDER), { recursive: true, force: true });
    const images = new InlineImages(folders);
    const [a, again, copy, b] = await Promise.all([
      images.output('/runs/d/tool/a.png'),
      images.output('/runs/d/tool/a.png'),
      images.output('/runs/d/tool/copy-of-a.png'),
      images.output('/runs/d/tool/b.png'),
    ]);
    assert.equal(images.encoded, 2);
    assert.equal(images.reused, 0);
    assert.equal(again.full, a.full);
    assert.equal(copy.thumb, a.thumb);
    assert.notEqual(b.full, a.full);
    // The same bytes as a template are a different encode (another size), not a shared one.
    await dimensions(await images.caseImage('/datasets/c1/template.png', 'template'));
    assert.equal(images.encoded, 3);
  });

  it('reads what the runner cached, and encodes (and caches) the rest: the same images either way', async () => {
    await rm(join(folders.runs, VARIANT_CACHE_FOLDER), { recursive: true, force: true });
    const cold = await new InlineImages(folders).output('/runs/d/tool/a.png');
    await rm(join(folders.runs, VARIANT_CACHE_FOLDER), { recursive: true, force: true });
    // What the runner does when it stores an output: one encode after the other, into the cache.
    const runner = new VariantCache(join(folders.runs, VARIANT_CACHE_FOLDER), false);
    await runner.output(await readFile(join(folders.runs, 'd', 'tool', 'a.png')));

    const images = new InlineImages(folders);
    const [warm, template] = await Promise.all([
      images.output('/runs/d/tool/a.png'),
      images.caseImage('/datasets/c1/template.png', 'template'),
    ]);
    assert.deepEqual(warm, cold);
    assert.equal(images.reused, 1, 'the output came from the cache');
    assert.equal(images.encoded, 1, 'the template was encoded');
    const again = new InlineImages(folders);
    assert.equal(await again.caseImage('/datasets/c1/template.png', 'template'), template);
    assert.deepEqual([again.encoded, again.reused], [0, 1], 'and cached for the next export');
  });

  it('leaves out missing, undecodable and escaping files instead of failing', async () => {
    const images = new InlineImages(folders);
    assert.deepEqual(await images.output('/runs/d/tool/missing.png'), { thumb: null, full: null });
    assert.deepEqual(await images.output('/runs/d/tool/broken.png'), { thumb: null, full: null });
    assert.deepEqual(await images.output('/runs/../datasets/c1/template.png'), { thumb: null, full: null });
    assert.equal(await images.caseImage(null, 'avatar'), null);
  });

  it('runs as many encodes at once as there are cores, up to the libuv pool', () => {
    assert.equal(parallelEncodes(2, 4), 2);
    assert.equal(parallelEncodes(16, 4), 4);
    assert.equal(parallelEncodes(1, 4), 1);
  });
});
