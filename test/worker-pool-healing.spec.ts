import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { packageRoot } from '../libs/core/package-root';
import { FaceAnalyzer } from '../libs/faces/face-analyzer.service';
import { CRASH_WORKER } from './support/crash.task';

describe('the face worker pool heals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swapbench-pool-'));
  const analyzer = new FaceAnalyzer(2);
  after(async () => {
    await analyzer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const photo = readFileSync(join(packageRoot(), 'datasets', 'sources', 'astronaut.png'));

  it('runs a job whose worker died mid-job again on a fresh worker', async () => {
    await analyzer.warmUp();
    const result = await analyzer.runTask(CRASH_WORKER, { marker: join(dir, 'once'), always: false });
    assert.equal(result, 'ran');
    const { faces } = await analyzer.analyze(photo);
    assert.equal(faces.length, 1, 'the next analysis finds the face');
  });

  it('fails a job that takes down two workers with a readable error, and keeps working', async () => {
    await assert.rejects(
      analyzer.runTask(CRASH_WORKER, { marker: join(dir, 'always'), always: true }),
      /Worker task crashWorker failed: Face analysis worker exited unexpectedly \(code 1\) \(twice, on two workers\)/,
    );
    // Analyses queued behind the crashes and started after them all succeed.
    const flipped = await Promise.all(
      [1, 2, 3].map((k) => analyzer.analyze(Buffer.concat([photo, Buffer.alloc(k)]))),
    );
    for (const { faces } of flipped) assert.equal(faces.length, 1);
  });
});
