import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { VARIANT_CACHE_FOLDER } from '../report-images/variant-cache';
import { ReportVariantsWarmer } from './report-variants.warmer';

describe('ReportVariantsWarmer', () => {
  const root = mkdtempSync(join(tmpdir(), 'swapbench-warmer-'));
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('encodes an output into the cache once, and never rejects for a missing or broken file', async () => {
    const output = join(root, 'out.png');
    writeFileSync(
      output,
      await sharp({ create: { width: 300, height: 200, channels: 3, background: '#3060a0' } })
        .png()
        .toBuffer(),
    );
    writeFileSync(join(root, 'broken.png'), 'not an image');
    const warmer = new ReportVariantsWarmer(root);
    await Promise.all([
      warmer.warm(output),
      warmer.warm(join(root, 'missing.png')),
      warmer.warm(join(root, 'broken.png')),
    ]);
    await warmer.warm(output);
    assert.equal(warmer.stats.outputs, 1, 'encoded once: the second call found it cached');
    const cached = readdirSync(join(root, VARIANT_CACHE_FOLDER), { recursive: true }) as string[];
    assert.equal(cached.filter((f) => f.endsWith('.webp')).length, 2);
  });

  it('starts no encode while an item is being scored, and encodes once scoring stops', async () => {
    const output = join(root, 'later.png');
    writeFileSync(
      output,
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#40a060' } })
        .png()
        .toBuffer(),
    );
    const warmer = new ReportVariantsWarmer(root);
    let endScoring = () => {};
    const scoring = warmer.whileScoring(() => new Promise<void>((resolve) => (endScoring = resolve)));
    let encoded = false;
    const warming = warmer.warm(output).then(() => (encoded = true));
    // Far longer than the encode takes: only the gate can keep it from finishing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(encoded, false, 'waits while an item is scored');
    endScoring();
    await scoring;
    await warming;
    assert.equal(warmer.stats.outputs, 1);
    await warmer.settled();
  });

  it('drops the encodes not yet started when stopped, and settles', async () => {
    const dropped = join(root, 'dropped.png');
    writeFileSync(
      dropped,
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#a04060' } })
        .png()
        .toBuffer(),
    );
    const warmer = new ReportVariantsWarmer(root);
    void warmer.whileScoring(() => new Promise<void>(() => {}));
    void warmer.warm(dropped);
    await warmer.stop();
    await warmer.settled();
    assert.equal(warmer.stats.outputs, 0);
    assert.equal(await new ReportVariantsWarmer(root).warm(dropped).then(() => 'settles'), 'settles');
  });

  it("encodes a case's template and avatars once, and never rejects for a missing file", async () => {
    const warmer = new ReportVariantsWarmer(root);
    const template = join(root, 'template.png');
    writeFileSync(
      template,
      await sharp({ create: { width: 400, height: 300, channels: 3, background: '#806040' } })
        .png()
        .toBuffer(),
    );
    const entries = () =>
      (readdirSync(join(root, VARIANT_CACHE_FOLDER), { recursive: true }) as string[]).filter((f) =>
        f.endsWith('.webp'),
      ).length;
    const before = entries();
    await warmer.warmCase({ templatePath: template, avatarPaths: [template] });
    assert.equal(entries(), before + 2, 'a template and an avatar');
    await warmer.warmCase({ templatePath: join(root, 'gone.png'), avatarPaths: [] });
  });
});
