import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { packageRoot } from '../core/package-root';
import {
  ALIGNED_SIDE,
  alignedFaceTensor,
  ARCFACE_TEMPLATE,
  fitSimilarity,
  type Point,
} from './face-alignment';

const run = promisify(execFile);

/**
 * Loaded in a child process before anything else: every way out to the network throws, so the model can
 * only load from the installed package.
 */
const NO_NETWORK = `
const net = require('node:net');
const dns = require('node:dns');
const refuse = () => { throw new Error('network used'); };
net.Socket.prototype.connect = refuse;
net.connect = net.createConnection = refuse;
dns.lookup = dns.resolve = refuse;
dns.promises.lookup = dns.promises.resolve = refuse;
globalThis.fetch = refuse;
`;

/** In the child: analyze two photos of two people (one of them also mirrored), print the cosines. */
const PROBE = `
const { readFile } = require('node:fs/promises');
const { FaceAnalyzer } = require(process.argv[1] + '/dist/libs/faces/face-analyzer.service');
const sharp = require('sharp');
(async () => {
  const analyzer = new FaceAnalyzer(1);
  const sources = process.argv[1] + '/datasets/sources/';
  const face = async (bytes) => (await analyzer.analyze(bytes)).faces[0];
  const hopper = await face(await readFile(sources + 'grace_hopper.jpg'));
  const mirrored = await face(await sharp(sources + 'grace_hopper.jpg').flop().resize({ width: 300 }).jpeg({ quality: 70 }).toBuffer());
  const astronaut = await face(await readFile(sources + 'astronaut.png'));
  const cos = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
  console.log(JSON.stringify({
    length: hopper.embedding.length,
    norm: Math.hypot(...hopper.embedding),
    same: cos(hopper.embedding, mirrored.embedding),
    different: cos(hopper.embedding, astronaut.embedding),
  }));
  await analyzer.close();
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('the identity model', () => {
  it('loads from the installed package and tells people apart with the network blocked', async () => {
    const preload = join(tmpdir(), `swapbench-no-network-${process.pid}.js`);
    await writeFile(preload, NO_NETWORK);
    // Worker threads inherit the preload through NODE_OPTIONS, so the face workers are cut off too.
    const { stdout } = await run(process.execPath, ['-e', PROBE, packageRoot()], {
      cwd: packageRoot(),
      env: { ...process.env, NODE_OPTIONS: `--require ${preload}` },
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    assert.equal(result.length, 512);
    assert.ok(Math.abs(result.norm - 1) < 1e-6, `unit length, got ${result.norm}`);
    // One person mirrored, shrunk and re-encoded stays far above two different people (docs/score.md).
    assert.ok(result.same > 0.7, `same person ${result.same}`);
    assert.ok(result.different < 0.3, `different people ${result.different}`);
  });
});

describe('face alignment', () => {
  it('fits the similarity that maps a scaled, turned and moved template back onto it', () => {
    const angle = 0.3;
    const moved: Point[] = ARCFACE_TEMPLATE.map(([x, y]) => [
      2.5 * (Math.cos(angle) * x - Math.sin(angle) * y) + 40,
      2.5 * (Math.sin(angle) * x + Math.cos(angle) * y) - 7,
    ]);
    const [a, b, tx, ty] = fitSimilarity(moved, ARCFACE_TEMPLATE);
    for (const [i, [x, y]] of moved.entries()) {
      assert.ok(Math.abs(a * x - b * y + tx - ARCFACE_TEMPLATE[i][0]) < 1e-9);
      assert.ok(Math.abs(b * x + a * y + ty - ARCFACE_TEMPLATE[i][1]) < 1e-9);
    }
  });

  it("resamples the face onto the template: a flat image stays flat, in the model's value range", () => {
    const width = 300;
    const height = 200;
    const pixels = new Uint8Array(width * height * 3).fill(200);
    const points: Point[] = ARCFACE_TEMPLATE.map(([x, y]) => [x * 1.5 + 20, y * 1.5 + 10]);
    const tensor = alignedFaceTensor(pixels, width, height, points);
    assert.equal(tensor.length, 3 * ALIGNED_SIDE * ALIGNED_SIDE);
    for (const v of tensor) assert.ok(Math.abs(v - (200 - 127.5) / 128) < 1e-6);
  });
});
