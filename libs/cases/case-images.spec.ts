import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempData, solidPng, writeCase, writeCases } from '../../test/support/fixtures';
import { sha256 } from '../core/hash';
import { CaseImages, type CaseImagesBudget, type LoadedImage } from './case-images';
import { CasesService } from './cases.service';
import type { CaseManifest } from './test-case';

/** A cases service with small caches, and a look at what they hold. */
class BudgetedCases extends CasesService {
  protected override readonly images: CaseImages;
  constructor(budget: CaseImagesBudget) {
    super(data.settings);
    this.images = new CaseImages(budget);
  }
  cacheUse() {
    return this.images.use();
  }
}

const data = makeTempData('case-images');
let ids: string[];

before(async () => {
  ids = await writeCases(data.datasets, 12, 'ci');
});
after(() => data.cleanup());

function image(result: LoadedImage | { error: string }): LoadedImage {
  assert.ok(!('error' in result), 'error' in result ? result.error : '');
  return result;
}

describe('CaseImages', () => {
  it('stays under its byte budgets when filled past them, and reads an evicted image again to the same bytes', async () => {
    const probe = new CaseImages();
    const one = image(await probe.read(join(data.datasets, ids[0]), 'template.png'));
    const entry = probe.use().imageBytes;
    assert.ok(entry >= one.bytes.length, 'an entry counts at least its bytes');
    const budget = { imageBytes: 3 * entry, hashBytes: 1500 };
    const images = new CaseImages(budget);
    const first = new Map<string, LoadedImage>();
    for (const id of ids) {
      const dir = join(data.datasets, id);
      const template = image(await images.read(dir, 'template.png'));
      const avatar = image(await images.read(dir, 'avatars/a.png'));
      first.set(id, template);
      const manifest = { id, title: id, template: 'template.png', slots: [] } as unknown as CaseManifest;
      assert.equal(
        images.contentHash(manifest, template, [avatar]),
        sha256(JSON.stringify(manifest), template.bytes, avatar.bytes),
      );
      const use = images.use();
      assert.ok(use.imageBytes <= budget.imageBytes, `${use.imageBytes} > ${budget.imageBytes}`);
      assert.ok(use.hashBytes <= budget.hashBytes, `${use.hashBytes} > ${budget.hashBytes}`);
    }
    assert.ok(images.use().images <= 3);
    assert.ok(images.use().hashes < ids.length, 'old hashes were evicted');
    // The first template was evicted: read again from disk, equal bytes, a new object.
    const again = image(await images.read(join(data.datasets, ids[0]), 'template.png'));
    assert.notEqual(again, first.get(ids[0]));
    assert.deepEqual(again, first.get(ids[0]));
    // The last one is still cached: the very same object.
    const last = ids[ids.length - 1];
    assert.equal(image(await images.read(join(data.datasets, last), 'template.png')), first.get(last));
  });

  it('reads a file changed on disk again (size or modification time), and reports it broken if it is', async () => {
    const images = new CaseImages();
    const dir = await writeCase(data.datasets, 'ci_changing', 70);
    const before = image(await images.read(dir, 'template.png'));
    writeFileSync(join(dir, 'template.png'), await solidPng(64, 48, 71));
    // Same size (solid PNGs of one size compress alike): only the modification time tells.
    utimesSync(join(dir, 'template.png'), new Date(), new Date(Date.now() + 5000));
    const changed = image(await images.read(dir, 'template.png'));
    assert.notDeepEqual(changed.bytes, before.bytes);
    writeFileSync(join(dir, 'template.png'), changed.bytes.subarray(0, 40));
    const broken = await images.read(dir, 'template.png');
    assert.ok('error' in broken);
    assert.match(broken.error, /not a readable image/);
  });
});

describe('CasesService caches', () => {
  it('each service has its own caches, and a case loads the same from a cold, a warm or a small cache', async () => {
    const warm = new BudgetedCases({});
    const small = new BudgetedCases({ imageBytes: 2000, hashBytes: 600 });
    const cold = await warm.list();
    assert.equal(
      cold.cases.length,
      ids.length,
      'the valid ones (the broken one of the test above is listed as invalid)',
    );
    assert.equal(small.cacheUse().images, 0, 'nothing loaded by one service is in the other');
    const warmAgain = await warm.list();
    const fromSmall = await small.list();
    assert.deepEqual(warmAgain, cold);
    assert.deepEqual(fromSmall, cold);
    assert.ok(small.cacheUse().imageBytes <= 2000);
    assert.ok(small.cacheUse().hashBytes <= 600);
    assert.ok(warm.cacheUse().images >= 2 * ids.length);
  });
});
