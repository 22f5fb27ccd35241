import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bombPng, duoPhoto, sourcePhoto } from './support/bad-images';
import { cliEnv, swapbench, type CliResult } from './support/cli';
import { filesUnder, makeTempData, solidPng, writeCase } from './support/fixtures';

// `swapbench generate-cases --from <folder>` and `swapbench cases validate`, through real child processes
// on a temp folder holding the public-domain photos and files that cannot be used.

const data = makeTempData('from');
const env = cliEnv(data);
const photos = join(data.root, 'photos');
let first: CliResult;

/** Every file of the datasets folder with its bytes, to compare two generations. */
function snapshot(datasets: string): Map<string, string> {
  return new Map(filesUnder(datasets).map((f) => [f, readFileSync(join(datasets, f)).toString('base64')]));
}

before(async () => {
  mkdirSync(photos);
  writeFileSync(join(photos, 'astronaut.png'), sourcePhoto('astronaut.png'));
  writeFileSync(join(photos, 'grace_hopper.jpg'), sourcePhoto('grace_hopper.jpg'));
  writeFileSync(join(photos, 'camera.png'), sourcePhoto('camera.png'));
  writeFileSync(join(photos, 'duo.png'), await duoPhoto());
  writeFileSync(join(photos, 'notes.txt'), 'not a photo\n');
  writeFileSync(join(photos, 'fake.jpg'), 'text pretending to be a JPEG\n');
  writeFileSync(join(photos, 'wall.png'), await solidPng(300, 200, 5));
  writeFileSync(join(photos, 'bomb.png'), await bombPng(20000, 20000));
  mkdirSync(join(photos, 'album'));
  first = await swapbench(['generate-cases', '--from', photos, '--seed', '7'], env, 120_000);
});

after(() => data.cleanup());

describe('generate-cases --from', () => {
  test('builds a case from every photo with faces, and says what was skipped and why', () => {
    assert.equal(first.code, 0, first.stderr);
    for (const id of ['photo_astronaut', 'photo_camera', 'photo_grace_hopper'])
      assert.match(first.stdout, new RegExp(`^wrote ${id}$`, 'm'));
    const skipped: Record<string, RegExp> = {
      'notes.txt': /not a PNG, JPEG or WebP file name/,
      'fake.jpg': /is not an image/,
      'wall.png': /no face found/,
      'bomb.png': /20000×20000 pixels .*limit is 40 megapixels/,
      album: /not a file/,
      // Its two people are the astronaut and Grace Hopper: only the camera photo shows someone else.
      'duo.png': /2 faces but only 1 face\(s\) of other people/,
    };
    for (const [file, reason] of Object.entries(skipped)) {
      const line = first.stdout.split('\n').find((l) => l.startsWith(`skipped ${file}:`));
      assert.ok(line, `${file} should be reported as skipped:\n${first.stdout}`);
      assert.match(line, reason);
    }
    assert.match(first.stdout, /3 cases from .*; 6 files skipped/);
  });

  test('writes cases in the standard format whose avatars never show a person of the template', () => {
    const manifest = JSON.parse(readFileSync(join(data.datasets, 'photo_astronaut', 'case.json'), 'utf8'));
    assert.equal(manifest.template, 'template.png');
    assert.equal(manifest.slots.length, 1);
    assert.deepEqual(manifest.slots[0].box, [178, 70, 93, 104]);
    assert.match(manifest.source, /--seed 7: template astronaut\.png/);
    // The duo photo's left face is the astronaut herself, so it must never be her avatar.
    assert.doesNotMatch(manifest.slots[0].avatar, /duo_f1/);
    assert.ok(!filesUnder(data.datasets).some((f) => /\.(tmp|old)[\\/]/.test(f)), 'no temp folder left');
  });

  test('is deterministic for a seed: a second run with the same seed changes nothing', async () => {
    const before = snapshot(data.datasets);
    const again = await swapbench(['generate-cases', '--from', photos, '--seed', '7'], env, 120_000);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^unchanged photo_astronaut$/m);
    assert.doesNotMatch(again.stdout, /^wrote /m);
    assert.deepEqual(snapshot(data.datasets), before);
  });

  test('refuses a missing folder, a bad seed, and a folder with nothing usable (exit 2)', async () => {
    const missing = await swapbench(['generate-cases', '--from', join(data.root, 'nope')], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /photo folder .*nope does not exist/);
    const badSeed = await swapbench(['generate-cases', '--from', photos, '--seed', 'abc'], env);
    assert.equal(badSeed.code, 2);
    assert.match(badSeed.stderr, /--seed must be a whole number/);
    const lonely = join(data.root, 'lonely');
    mkdirSync(lonely);
    writeFileSync(join(lonely, 'astronaut.png'), sourcePhoto('astronaut.png'));
    const alone = await swapbench(
      ['generate-cases', '--from', lonely],
      cliEnv({ ...data, datasets: join(data.root, 'ds2') }),
    );
    assert.equal(alone.code, 2, alone.stderr);
    assert.match(alone.stdout, /skipped astronaut\.png: 1 face but only 0 face\(s\)/);
    assert.match(alone.stderr, /No test case could be built .*two photos with faces of different people/);
  });
});

describe('cases validate', () => {
  test('exits 0 when every case is valid, and 1 naming the file and field of each problem', async () => {
    const ok = await swapbench(['cases', 'validate'], env);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^ok {6}photo_camera$/m);
    assert.match(ok.stdout, /3 valid, 0 invalid/);

    await writeCase(data.datasets, 'broken_box', 3, {
      manifest: { slots: [{ id: 'p1', box: [60, 40, 20, 20], avatar: 'avatars/a.png' }] },
    });
    const bad = await swapbench(['cases', 'validate'], env);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stdout,
      /^INVALID broken_box[\\/]case\.json: slots\[0\]\.box: .*outside the 64×48 template$/m,
    );
    assert.match(bad.stdout, /3 valid, 1 invalid/);

    // Well-formed, but its slot box sits on no face and its avatar shows none: no tool could swap it.
    await writeCase(data.datasets, 'faceless', 4);
    const json = await swapbench(['cases', 'validate', '--json'], env);
    assert.equal(json.code, 1);
    const verdicts = JSON.parse(json.stdout) as Array<{ id: string; valid: boolean; error: string | null }>;
    assert.deepEqual(
      verdicts.filter((v) => !v.valid).map((v) => v.id),
      ['broken_box', 'faceless'],
    );
    assert.match(
      verdicts.find((v) => v.id === 'faceless')?.error ?? '',
      /^faceless[\\/]case\.json: No face found in the template at slot p1 \(box 8, 8, 20, 20\); No face found in the avatar of slot p1 \(avatars\/a\.png\)$/,
    );
  });

  test('exits 1 on an empty datasets folder', async () => {
    const empty = await swapbench(
      ['cases', 'validate'],
      cliEnv({ ...data, datasets: join(data.root, 'empty') }),
    );
    assert.equal(empty.code, 1);
    assert.match(empty.stdout, /No test cases in/);
  });
});
