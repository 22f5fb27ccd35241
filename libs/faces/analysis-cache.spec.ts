import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalysisCache, analysisBytes } from './analysis-cache';
import type { AnalyzedFace, FaceAnalysis } from './face.types';

/** An analysis with `faces` faces of the real sizes (468 mesh points, 512-d embedding), marked by `seed`. */
function analysis(seed: number, faces = 1): FaceAnalysis {
  const face = (k: number): AnalyzedFace => ({
    box: [seed, k, 10, 10],
    detectorBox: [seed, k, 12, 12],
    score: 0.9,
    mesh: Array.from({ length: 468 }, (_, i) => [seed + i, k + i, 0] as [number, number, number]),
    embedding: Array.from({ length: 1024 }, (_, i) => Math.sin(seed + i)),
    pose: { yaw: 0, pitch: 0, roll: 0 },
    expression: { mouthOpen: 0, mouthWidth: 1, leftEyeOpen: 0.3, rightEyeOpen: 0.3, mouthCornerLift: 0 },
  });
  return { width: 100, height: 100, faces: Array.from({ length: faces }, (_, k) => face(k)) };
}

/** An analyzer that counts its calls and answers `analysis(seed)` for key `k<seed>`. */
function counting() {
  const calls = new Map<string, number>();
  return {
    calls,
    analyze: (key: string) => () => {
      calls.set(key, (calls.get(key) ?? 0) + 1);
      return Promise.resolve(analysis(Number(key.slice(1)), 1 + (Number(key.slice(1)) % 3)));
    },
  };
}

describe('AnalysisCache', () => {
  it('estimates an analysis by its faces: mesh points and embedding values dominate', () => {
    const one = analysisBytes(analysis(1, 1));
    assert.ok(one > 468 * 120 + 512 * 16, `${one} bytes for one face`);
    assert.ok(one < 120_000, `${one} bytes for one face`);
    assert.ok(Math.abs(analysisBytes(analysis(1, 3)) - 256 - 3 * (one - 256)) < 1);
    assert.equal(analysisBytes({ width: 1, height: 1, faces: [] }), 256);
  });

  it('stays under its byte budget when filled far past it, and recomputes what it evicted', async () => {
    const budget = 10 * analysisBytes(analysis(0, 1));
    const cache = new AnalysisCache(budget);
    const tool = counting();
    const keys = Array.from({ length: 60 }, (_, n) => `k${n}`);
    for (const key of keys) {
      await cache.get(key, tool.analyze(key));
      assert.ok(cache.bytes <= budget, `${cache.bytes} > ${budget} after ${key}`);
    }
    assert.ok(cache.size >= 3 && cache.size < 10, `${cache.size} analyses kept`);
    // The most recent are still there: no new call.
    assert.deepEqual(await cache.get('k59', tool.analyze('k59')), analysis(59, 1 + (59 % 3)));
    assert.equal(tool.calls.get('k59'), 1);
    // The first was evicted: computed again, equal to what it was.
    assert.deepEqual(await cache.get('k0', tool.analyze('k0')), analysis(0, 1));
    assert.equal(tool.calls.get('k0'), 2);
    assert.ok(cache.bytes <= budget);
  });

  it('keeps what is used: a key read again outlives the ones added after it', async () => {
    const cache = new AnalysisCache(4 * analysisBytes(analysis(0, 1)));
    const tool = counting();
    // Keys 3, 6, 9… make one-face analyses (seed % 3 = 0).
    await cache.get('k3', tool.analyze('k3'));
    for (const n of [6, 9, 12, 15, 18, 21]) {
      await cache.get('k3', tool.analyze('k3'));
      await cache.get(`k${n}`, tool.analyze(`k${n}`));
    }
    assert.equal(tool.calls.get('k3'), 1, 'the template-like key was never evicted');
    assert.equal(tool.calls.get('k6'), 1);
    await cache.get('k6', tool.analyze('k6'));
    assert.equal(tool.calls.get('k6'), 2, 'an old key that was not read again was');
  });

  it('shares a running analysis, and forgets a failed one so the next call runs it again', async () => {
    const cache = new AnalysisCache();
    let calls = 0;
    let fail = true;
    const analyze = () => {
      calls++;
      return new Promise<FaceAnalysis>((resolve, reject) =>
        setTimeout(() => (fail ? reject(new Error('worker died')) : resolve(analysis(7))), 5),
      );
    };
    const a = cache.get('k7', analyze);
    const b = cache.get('k7', analyze);
    assert.equal(a, b, 'one analysis for two callers');
    await assert.rejects(a, /worker died/);
    await assert.rejects(b, /worker died/);
    assert.equal(cache.size, 0);
    fail = false;
    assert.deepEqual(await cache.get('k7', analyze), analysis(7));
    assert.equal(calls, 2);
    assert.equal(cache.size, 1);
  });

  it('keeps nothing that finishes after clear()', async () => {
    const cache = new AnalysisCache();
    let release = () => {};
    const running = cache.get('k1', () => new Promise((resolve) => (release = () => resolve(analysis(1)))));
    cache.clear();
    release();
    await running;
    assert.equal(cache.size, 0);
  });
});
