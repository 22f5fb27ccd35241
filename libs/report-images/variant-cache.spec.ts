import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { encodeCaseImage, encodeOutput } from './report-variants';
import { isWholeWebp, VariantCache } from './variant-cache';

/** A photo-like source (noise and a gradient), so the encodes are not trivially small. */
async function source(seed: number): Promise<Buffer> {
  const width = 1200;
  const height = 900;
  const pixels = Buffer.alloc(width * height * 3);
  let t = seed;
  for (let i = 0; i < pixels.length; i++) {
    t = (t * 1103515245 + 12345) % 2147483648;
    pixels[i] = ((i / 3) % width) / 6 + (t % 64);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The cache's entries (`<ab>/<key>.webp`), without its temp folder. */
async function entries(root: string): Promise<string[]> {
  const all = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return all.filter((f) => f.endsWith('.webp')).sort();
}

describe('VariantCache', () => {
  let root: string;
  let photo: Buffer;
  let expected: { thumb: Buffer; full: Buffer };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'swapbench-variants-'));
    photo = await source(7);
    expected = await encodeOutput(photo, true);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('encodes on a miss and stores both variants; a later cache reads them back byte for byte', async () => {
    const dir = join(root, 'miss');
    const first = new VariantCache(dir);
    const made = await first.output(photo);
    assert.deepEqual([first.encoded, first.reused, first.unwritten], [1, 0, 0]);
    assert.equal((await entries(dir)).length, 2);

    const second = new VariantCache(dir);
    const read = await second.output(photo);
    assert.deepEqual([second.encoded, second.reused], [0, 1]);
    assert.ok(read.thumb.equals(made.thumb) && read.full.equals(made.full));
  });

  it("makes the same bytes as the export's on-the-fly encode, whether the runner or an export filled it", async () => {
    const runner = new VariantCache(join(root, 'runner'), false);
    const fromRunner = await runner.output(photo);
    const fromExport = await new VariantCache(join(root, 'export'), true).output(photo);
    for (const made of [fromRunner, fromExport]) {
      assert.ok(made.thumb.equals(expected.thumb), 'thumbnail');
      assert.ok(made.full.equals(expected.full), 'full size');
    }
    assert.deepEqual(await entries(join(root, 'runner')), await entries(join(root, 'export')));
  });

  it('makes a truncated or overwritten entry again instead of serving it', async () => {
    const dir = join(root, 'corrupt');
    await new VariantCache(dir).output(photo);
    const [a, b] = (await entries(dir)).map((f) => join(dir, f));
    await truncate(a, 100);
    await writeFile(b, 'not an image');

    const cache = new VariantCache(dir);
    const made = await cache.output(photo);
    assert.deepEqual([cache.encoded, cache.reused], [1, 0]);
    assert.ok(made.thumb.equals(expected.thumb) && made.full.equals(expected.full));
    for (const file of [a, b]) assert.ok(isWholeWebp(await readFile(file)), `${file} is whole again`);
  });

  it('keys by content and variant: other bytes or another role are other entries', async () => {
    const dir = join(root, 'keys');
    const cache = new VariantCache(dir);
    const template = await cache.caseImage(photo, 'template');
    const avatar = await cache.caseImage(photo, 'avatar');
    await cache.output(await source(8));
    assert.equal(cache.encoded, 3);
    assert.equal((await entries(dir)).length, 4);
    assert.ok(template.equals(await encodeCaseImage(photo, 'template')));
    assert.ok(avatar.equals(await encodeCaseImage(photo, 'avatar')));
    assert.ok((await new VariantCache(dir).caseImage(photo, 'avatar')).equals(avatar));
  });

  it('still gives the images when it cannot store them, and throws only for an undecodable source', async () => {
    const blocked = join(root, 'blocked');
    await writeFile(blocked, 'a file where the folder should be');
    const cache = new VariantCache(blocked);
    const made = await cache.output(photo);
    assert.ok(made.full.equals(expected.full));
    assert.equal(cache.unwritten, 2);
    await assert.rejects(cache.output(Buffer.from('not an image')));
  });

  it('removes the temp files of writes a killed process left, not those of a live one', async () => {
    const dir = join(root, 'partial');
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir, 'tmp', `abc.${dead}.123.tmp`), 'half');
    await writeFile(join(dir, 'tmp', `def.${process.pid}.456.tmp`), 'being written');
    await new VariantCache(dir).removePartials();
    assert.deepEqual(await readdir(join(dir, 'tmp')), [`def.${process.pid}.456.tmp`]);
    await new VariantCache(join(root, 'never-made')).removePartials();
  });

  it('accepts only whole RIFF/WebP files', () => {
    assert.ok(isWholeWebp(expected.thumb));
    assert.ok(!isWholeWebp(expected.thumb.subarray(0, expected.thumb.length - 1)));
    assert.ok(!isWholeWebp(Buffer.concat([expected.thumb, Buffer.from([0])])));
    assert.ok(!isWholeWebp(Buffer.alloc(0)));
  });
});
