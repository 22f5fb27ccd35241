import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TestingModule } from '@nestjs/testing';
import sharp from 'sharp';
import { RunExecutor } from '../libs/runs/run-executor';
import type { RunDetail } from '../libs/runs/run-views';
import { RunsService } from '../libs/runs/runs.service';
import { filesUnder, makeTempData, writeCases } from './support/fixtures';
import { integrityCheck } from './support/database-probe';
import { OtherWideTool, ScriptedEvaluator, WideTool, runsTestModule } from './support/test-tools';

// Issue 8, storage faults: the folder a run writes its images to fills up, or is read-only. Each item
// that cannot be saved fails with an error that says so; items saved before are intact; the run ends.
// A full disk is a real 192 KiB tmpfs (needs mount, as root in CI); read-only is a read-only tmpfs, or
// where mounting is not allowed, a file standing where the day folder should be (root ignores chmod).

const data = makeTempData('storage');
const evaluator = new ScriptedEvaluator();
let app: TestingModule;
let runs: RunsService;
const mounted: string[] = [];

/** Mounts a tmpfs at `dir`; false when this machine does not allow it. */
function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    mounted.push(dir);
    return true;
  } catch {
    return false;
  }
}
const canMount = (() => {
  const probe = join(data.root, 'probe');
  const ok = mountTmpfs(probe, 'size=64k');
  return ok ? (execFileSync('umount', [mounted.pop()!]), true) : false;
})();

/** 120 KB of noise as PNG: it does not compress, so two fill the small disk. */
async function noisePng(seed: number): Promise<Buffer> {
  const pixels = Buffer.alloc(200 * 200 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761 + seed * 40503) >>> 24;
  return sharp(pixels, { raw: { width: 200, height: 200, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

before(async () => {
  app = await runsTestModule(data.settings, evaluator);
  runs = app.get(RunsService);
});

after(async () => {
  await app?.close();
  for (const dir of mounted.reverse()) execFileSync('umount', ['-l', dir]);
  data.cleanup();
});

/** Creates a run of `caseIds` × `toolId`, lets `prepare` break its image folder, and executes it. */
async function runWith(
  caseIds: string[],
  toolId: string,
  prepare: (toolDir: string) => void,
): Promise<RunDetail> {
  const { run } = await runs.create({
    case_ids: caseIds,
    tool_ids: [toolId],
    options: { cache: false, concurrency: 1 },
  });
  prepare(join(data.runs, run.day, toolId));
  assert.equal(await app.get(RunExecutor).execute(run.id), 'finished');
  return runs.detail(run.id);
}

describe('storage faults', () => {
  it(
    'a full disk fails the items that no longer fit, with a clear error; earlier images stay whole',
    { skip: canMount ? false : 'mounting a tmpfs is not permitted here' },
    async () => {
      const cases = await writeCases(data.datasets, 6, 'full');
      const images = await Promise.all(cases.map((_, i) => noisePng(i)));
      app
        .get(WideTool)
        .script(async (input) => ({ ok: true, image: images[cases.indexOf(input.caseId)], meta: {} }));
      const detail = await runWith(cases, 'test_wide', (dir) => assert.ok(mountTmpfs(dir, 'size=192k')));

      const saved = detail.items.filter((i) => i.status === 'scored');
      const failed = detail.items.filter((i) => i.status === 'failed');
      assert.ok(
        saved.length >= 1 && failed.length >= 1,
        detail.items.map((i) => `${i.status} ${i.error}`).join('\n'),
      );
      for (const item of failed)
        assert.match(item.error ?? '', /^Could not save the image .+: the disk is full \(ENOSPC\)$/);
      for (const item of saved) {
        const png = readFileSync(join(data.runs, item.image_path!));
        assert.deepEqual(png, images[cases.indexOf(item.case_id)], `${item.case_id} intact`);
      }
      const leftovers = filesUnder(join(data.runs)).filter((f) => f.endsWith('.tmp'));
      assert.deepEqual(leftovers, [], 'no partial file is left on the full disk');
      assert.deepEqual(await integrityCheck(data), ['ok']);
      execFileSync('umount', [mounted.pop()!]);
    },
  );

  it('a read-only runs folder fails every item with a clear error and keeps earlier runs', async () => {
    const cases = await writeCases(data.datasets, 3, 'ro');
    app.get(WideTool).script(async () => ({ ok: true, image: await noisePng(1), meta: {} }));
    app.get(OtherWideTool).script(async () => ({ ok: true, image: await noisePng(2), meta: {} }));
    const before = await runWith(cases, 'test_wide', () => undefined);
    assert.ok(before.items.every((i) => i.status === 'scored'));
    const earlier = before.items.map((i) => readFileSync(join(data.runs, i.image_path!)));

    const detail = await runWith(cases, 'test_wide_other', (dir) => {
      if (canMount) assert.ok(mountTmpfs(dir, 'ro,size=64k'));
      else writeFileSync(dir, 'a file where the folder should be');
    });
    for (const item of detail.items) {
      assert.equal(item.status, 'failed', item.case_id);
      assert.match(
        item.error ?? '',
        /^Could not save the image .+: (the runs folder is on a read-only file system \(EROFS\)|a file stands where a folder should be)/,
      );
    }
    before.items.forEach((item, i) =>
      assert.deepEqual(readFileSync(join(data.runs, item.image_path!)), earlier[i]),
    );
    assert.deepEqual(await integrityCheck(data), ['ok']);
  });
});
