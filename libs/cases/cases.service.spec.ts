import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { makeTempData, solidPng, writeCase } from '../../test/support/fixtures';
import { UserError } from '../core/user-error';
import { CasesService, type CaseListing } from './cases.service';

const data = makeTempData('cases');
const service = new CasesService(data.settings);
let listing: CaseListing;

/** The problems the loader must report, by case folder: each must name the file and the field. */
const EXPECTED: Record<string, RegExp[]> = {
  bad_json: [/bad_json[\\/]case\.json/, /not valid JSON/],
  no_manifest: [/no_manifest[\\/]case\.json/, /missing/],
  no_title: [/case\.json/, /title/],
  bad_box_shape: [/case\.json/, /slots\[0\]\.box/],
  typo_key: [/case\.json/, /titel/],
  id_mismatch: [/case\.json/, /\bid\b/, /other_id/, /id_mismatch/],
  avatar_not_image: [/case\.json/, /slots\[0\]\.avatar/, /avatars\/a\.png/, /not a readable image/],
  avatar_missing: [/slots\[0\]\.avatar/, /does not exist/],
  avatar_gif: [/slots\[0\]\.avatar/, /gif/, /PNG, JPEG or WebP/],
  truncated_template: [/case\.json/, /template/, /not a readable image/],
  box_outside: [/case\.json/, /slots\[0\]\.box/, /outside the 64×48 template/],
  duplicate_slots: [/case\.json/, /slots/, /"p1" is used twice/],
  escaping_path: [/case\.json/, /template/, /inside the case folder/],
  'Not A Slug': [/Not A Slug/, /slug/],
};

before(async () => {
  const ds = data.datasets;
  await writeCase(ds, 'good_one', 1);
  await writeCase(ds, 'good_two', 2, { manifest: { prompt: 'Swap them', tags: ['x'] } });
  await writeCase(ds, 'bad_json', 3, { rawManifest: '{ "id": "bad_json", "title": ' });
  await writeCase(ds, 'no_manifest', 4, { noManifest: true });
  await writeCase(ds, 'no_title', 5, { manifest: { title: null } });
  await writeCase(ds, 'bad_box_shape', 6, {
    manifest: { slots: [{ id: 'p1', box: [1, 2, 3], avatar: 'avatars/a.png' }] },
  });
  await writeCase(ds, 'typo_key', 7, { manifest: { titel: 'typo' } });
  await writeCase(ds, 'id_mismatch', 8, { manifest: { id: 'other_id' } });
  await writeCase(ds, 'avatar_not_image', 9, { files: { 'avatars/a.png': 'this is text, not a PNG\n' } });
  await writeCase(ds, 'avatar_missing', 10, {
    manifest: { slots: [{ id: 'p1', box: [8, 8, 20, 20], avatar: 'avatars/nobody.png' }] },
  });
  const gif = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#00ff00' } })
    .gif()
    .toBuffer();
  await writeCase(ds, 'avatar_gif', 11, { files: { 'avatars/a.png': gif } });
  const png = await solidPng(64, 48, 12);
  await writeCase(ds, 'truncated_template', 12, {
    files: { 'template.png': png.subarray(0, Math.floor(png.length / 2)) },
  });
  await writeCase(ds, 'box_outside', 13, {
    manifest: { slots: [{ id: 'p1', box: [50, 30, 20, 20], avatar: 'avatars/a.png' }] },
  });
  await writeCase(ds, 'duplicate_slots', 14, {
    manifest: {
      slots: [
        { id: 'p1', box: [0, 0, 10, 10], avatar: 'avatars/a.png' },
        { id: 'p1', box: [20, 0, 10, 10], avatar: 'avatars/a.png' },
      ],
    },
  });
  await writeCase(ds, 'escaping_path', 15, { manifest: { template: '../good_one/template.png' } });
  await writeCase(ds, 'Not A Slug', 16, { manifest: { id: 'not_a_slug' } });
  // Not cases: the demo photos' folder, a case being written right now, a stray file.
  mkdirSync(join(ds, 'sources'));
  await writeCase(ds, 'good_one.abc123.tmp', 17, { manifest: { id: 'good_one' } });
  writeFileSync(join(ds, 'README.txt'), 'not a case');
  listing = await service.list();
});

after(() => data.cleanup());

describe('case loader', () => {
  test('the valid cases load with their images measured, whatever else is broken', () => {
    assert.deepEqual(
      listing.cases.map((c) => c.id),
      ['good_one', 'good_two'],
    );
    const [one, two] = listing.cases;
    assert.equal(one.width, 64);
    assert.equal(one.height, 48);
    assert.equal(one.avatarPaths.length, 1);
    assert.match(one.contentHash, /^[0-9a-f]{64}$/);
    assert.notEqual(one.contentHash, two.contentHash);
    assert.equal(two.prompt, 'Swap them');
  });

  test('only case folders are listed: sources, temp folders and files are skipped', () => {
    const all = [...listing.cases, ...listing.invalid].map((c) => c.id);
    assert.ok(!all.includes('sources'));
    assert.ok(!all.some((id) => id.endsWith('.tmp')));
    assert.ok(!all.includes('README.txt'));
    assert.deepEqual([...listing.invalid.map((c) => c.id)].sort(), Object.keys(EXPECTED).sort());
  });

  for (const [id, patterns] of Object.entries(EXPECTED)) {
    test(`${id} is listed as invalid, naming the file and field`, () => {
      const found = listing.invalid.find((c) => c.id === id);
      assert.ok(found, `${id} should be invalid`);
      for (const pattern of patterns) assert.match(found.error, pattern);
    });
  }

  test('the content hash changes when an image changes', async () => {
    const dir = await writeCase(data.datasets, 'hash_probe', 40);
    const before = await service.load('hash_probe');
    writeFileSync(join(dir, 'avatars', 'a.png'), await solidPng(16, 16, 41));
    const afterChange = await service.load('hash_probe');
    assert.ok('contentHash' in before && 'contentHash' in afterChange);
    assert.notEqual(before.contentHash, afterChange.contentHash);
  });

  test('summaries list valid and invalid cases with valid and error', async () => {
    const summaries = await service.summaries();
    const good = summaries.find((s) => s.id === 'good_one');
    const bad = summaries.find((s) => s.id === 'bad_json');
    assert.equal(good?.valid, true);
    assert.equal(good?.error, null);
    assert.equal(bad?.valid, false);
    assert.match(bad?.error ?? '', /not valid JSON/);
  });

  test('selecting an unknown or invalid case is a UserError that lists the valid ones', async () => {
    await assert.rejects(service.select(['nope']), (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /unknown test case "nope"/);
      assert.match(error.message, /Valid cases: .*good_one/);
      return true;
    });
    await assert.rejects(service.select(['bad_json']), /test case "bad_json" is invalid: .*not valid JSON/);
    assert.deepEqual(
      (await service.select(['good_two', 'good_one', 'good_two'])).map((c) => c.id),
      ['good_two', 'good_one'],
    );
  });

  test('an empty datasets folder is a clear error for `all`, not an empty run', async () => {
    const empty = makeTempData('cases-empty');
    const missing = new CasesService(empty.settings.withData({ datasets: join(empty.root, 'missing') }));
    try {
      assert.deepEqual(await missing.list(), { cases: [], invalid: [] });
      await assert.rejects(missing.select('all'), /No valid test cases .*generate-cases/);
    } finally {
      empty.cleanup();
    }
  });
});
