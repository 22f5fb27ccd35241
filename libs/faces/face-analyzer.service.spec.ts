import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { packageRoot } from '../core/package-root';
import { analysisBytes } from './analysis-cache';
import { FaceAnalyzer } from './face-analyzer.service';
import { boxIou, hungarian, matchSlots } from './slot-match';
import { isTaskModule, workerTask } from './worker-task';

describe('FaceAnalyzer', () => {
  const analyzer = new FaceAnalyzer(1);
  after(() => analyzer.close());
  const photo = (name: string) => readFile(join(packageRoot(), 'datasets', 'sources', name));

  it('finds the one face of each source photo where photos.json records it', async () => {
    const recorded = JSON.parse((await photo('photos.json')).toString()) as Record<
      string,
      { file: string; face: [number, number, number, number] }
    >;
    for (const { file, face } of Object.values(recorded)) {
      const { faces } = await analyzer.analyze(await photo(file));
      assert.equal(faces.length, 1, file);
      assert.ok(
        boxIou(faces[0].box, face) > 0.9,
        `${file}: detected ${faces[0].box.join(',')} vs recorded ${face.join(',')}`,
      );
      assert.equal(faces[0].mesh.length, 468);
      assert.equal(faces[0].embedding.length, 512);
    }
  });

  it('returns no faces for a blank image and rejects bytes that are not an image', async () => {
    const blank = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#777' } })
      .png()
      .toBuffer();
    assert.deepEqual((await analyzer.analyze(blank)).faces, []);
    await assert.rejects(analyzer.analyze(Buffer.from('nope')), /Cannot read the image/);
  });

  it('caches by content: the same bytes give the very same result', async () => {
    const bytes = await photo('astronaut.png');
    const first = await analyzer.analyze(bytes);
    assert.equal(await analyzer.analyze(Buffer.from(bytes)), first);
  });

  it('keeps its cache within its byte budget and analyzes an evicted image again to the same result', async () => {
    const one = await analyzer.analyze(await photo('astronaut.png'));
    // Room for one one-face analysis and a half: each new photo evicts the one before.
    const budget = Math.round(1.5 * analysisBytes(one));
    const small = new FaceAnalyzer(1, budget);
    try {
      const files = ['astronaut.png', 'grace_hopper.jpg', 'camera.png'];
      const first = [];
      for (const file of files) {
        first.push(await small.analyze(await photo(file)));
        assert.ok(small.cacheUse().bytes <= budget, `${small.cacheUse().bytes} > ${budget}`);
        assert.equal(small.cacheUse().entries, 1);
      }
      const again = await small.analyze(await photo(files[0]));
      assert.notEqual(again, first[0], 'evicted, so analyzed again');
      assert.deepEqual(again, first[0]);
      assert.equal(await small.analyze(await photo(files[0])), again, 'and cached again');
      // The other analyzer's cache is its own.
      assert.equal(await analyzer.analyze(await photo('astronaut.png')), one);
    } finally {
      await small.close();
    }
  });
});

describe('slot matching', () => {
  it('solves the assignment that maximises overlap', () => {
    assert.deepEqual(
      hungarian([
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ]),
      [1, 0, 2],
    );
    const slots: Array<[number, number, number, number]> = [
      [0, 0, 10, 10],
      [20, 0, 10, 10],
    ];
    assert.deepEqual(
      matchSlots(slots, [
        [21, 1, 10, 10],
        [1, 0, 10, 10],
      ]),
      [1, 0],
    );
    assert.deepEqual(matchSlots(slots, [[200, 200, 10, 10]]), [-1, -1]);
  });
});

describe('worker tasks', () => {
  const task = (input: number) => input * 2;

  it('accepts a compiled module of this package and names its one function', () => {
    assert.deepEqual(workerTask(__filename, { task }), { module: __filename, exportName: 'task' });
    assert.ok(isTaskModule(join(__dirname, '..', 'evaluator', 'image-measures.task.js')));
  });

  it('refuses modules outside the compiled tree, non-.js files and several functions at once', () => {
    assert.throws(() => workerTask('/etc/passwd.js', { task }), /not a compiled file of swapbench/);
    assert.throws(() => workerTask(join(__dirname, 'face.types.ts'), { task }), /not a compiled file/);
    assert.throws(
      () => workerTask(join(__dirname, '..', '..', '..', 'x.js'), { task }),
      /not a compiled file/,
    );
    assert.throws(
      () => workerTask(__filename, { task, other: task }),
      /exactly one function, got task, other/,
    );
    assert.equal(isTaskModule('relative/face.types.js'), false);
  });
});
