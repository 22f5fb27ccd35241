import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempFileWriter, writeFileAtomic } from './atomic-write';

/** Runs `writeFileAtomic(path, <bytes> zero bytes)` in a child whose files may grow to 4 KiB at most. */
function writeUnderFileSizeLimit(path: string, bytes: number): Promise<string> {
  const script =
    `require(${JSON.stringify(join(__dirname, 'atomic-write.js'))})` +
    `.writeFileAtomic(${JSON.stringify(path)}, Buffer.alloc(${bytes}))` +
    `.then(() => console.log('written'), (e) => console.log(e.code));`;
  // `ulimit -f` counts 1 KiB blocks; Node ignores SIGXFSZ, so the write fails with EFBIG instead.
  const child = spawn('bash', ['-c', `ulimit -f 4 && exec "${process.execPath}" -e "$0"`, script]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(out.trim()));
  });
}

describe('writeFileAtomic', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swapbench-atomic-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes the content, replaces an older file whole, and leaves no temp file', async () => {
    const path = join(dir, 'plain', 'item.json');
    await writeFileAtomic(path, '{"first":true}\n');
    assert.equal(await readFile(path, 'utf8'), '{"first":true}\n');
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    await writeFileAtomic(path, bytes);
    assert.deepEqual(await readFile(path), bytes);
    assert.deepEqual(await readdir(join(dir, 'plain')), ['item.json']);
  });

  it('a write that fails half-way (file too large) leaves the old file intact and no temp file', async () => {
    const folder = join(dir, 'limited');
    const path = join(folder, 'output.png');
    await mkdir(folder);
    await writeFile(path, 'the old output');
    assert.equal(await writeUnderFileSizeLimit(path, 64 * 1024), 'EFBIG');
    assert.equal(await readFile(path, 'utf8'), 'the old output');
    assert.deepEqual(await readdir(folder), ['output.png']);
    // The same child writes a file within the limit, so it was the size that failed.
    assert.equal(await writeUnderFileSizeLimit(path, 1024), 'written');
    assert.equal((await readFile(path)).length, 1024);
  });

  it('a rename that fails leaves the target as it was and no temp file in the temp folder', async () => {
    const target = join(dir, 'taken');
    const temps = join(dir, 'temps');
    await mkdir(target);
    await writeFile(join(target, 'inside.txt'), 'kept');
    await assert.rejects(writeFileAtomic(target, 'replacement', { tempFolder: temps }));
    assert.equal(await readFile(join(target, 'inside.txt'), 'utf8'), 'kept');
    assert.deepEqual(await readdir(temps), []);
  });

  it('names its temp files after the writing process', async () => {
    const temps = join(dir, 'named');
    await writeFileAtomic(join(dir, 'entry.webp'), 'x', { tempFolder: temps });
    assert.equal(tempFileWriter(`entry.webp.${process.pid}.a1b2c3d4e5f6.tmp`), process.pid);
    assert.equal(tempFileWriter('.item.json.77.a1b2c3d4e5f6.tmp'), 77);
    assert.equal(tempFileWriter('entry.webp'), null);
    assert.deepEqual(await readdir(temps), []);
  });
});
