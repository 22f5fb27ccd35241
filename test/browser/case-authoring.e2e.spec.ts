import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Dialog, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { serverUrl, startServer } from '../../apps/server/bootstrap';
import { DemoCasesService } from '../../libs/cases/demo-cases.service';
import { packageRoot } from '../../libs/core/package-root';
import { duoPhoto, sourcePhoto } from '../support/bad-images';
import { solidPng } from '../support/fixtures';
import { useTempData } from '../support/temp-data';

/**
 * Creating a test case in the browser from the demo photos (file picker for the template, drag and drop
 * for the avatars), assigning avatars to the slots found, saving, seeing it in the gallery and on disk,
 * running it, and deleting cases (archive offered when a run refers to one). Screenshots: test-results/.
 */

describe('test-case authoring in the browser', () => {
  let data: ReturnType<typeof useTempData>;
  let app: INestApplication;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let photos: { duo: string; wall: string; notes: string };
  const dialogs: string[] = [];
  /** What the next confirm() dialogs answer, in order (default: accept). */
  const answers: boolean[] = [];

  const shot = (name: string) => page.screenshot({ path: join(shots, `authoring-${name}.png`) });

  before(async () => {
    data = useTempData('authoring');
    await new DemoCasesService(data.settings).generate();
    photos = {
      duo: join(data.root, 'duo.png'),
      wall: join(data.root, 'wall.png'),
      notes: join(data.root, 'notes.txt'),
    };
    writeFileSync(photos.duo, await duoPhoto());
    writeFileSync(photos.wall, await solidPng(400, 300, 8));
    writeFileSync(photos.notes, 'not an image\n');
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
    shots = join(packageRoot(), 'test-results');
    await mkdir(shots, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('dialog', (dialog: Dialog) => {
      dialogs.push(dialog.message());
      void ((answers.shift() ?? true) ? dialog.accept() : dialog.dismiss());
    });
    await page.goto(serverUrl(app));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    data?.dispose();
  });

  it('opens the dialog with the consent reminder, and refuses a template without faces or a non-image', async () => {
    await page.getByTestId('new-case-button').click();
    const dialog = page.getByTestId('case-authoring');
    await dialog.waitFor();
    assert.match(
      await page.getByTestId('consent-note').innerText(),
      /right to use, with the consent of the people shown/,
    );
    await page.getByTestId('template-input').setInputFiles(photos.wall);
    await page.getByTestId('faces-status').filter({ hasText: 'No face found' }).waitFor();
    assert.equal(await page.getByTestId('save-case').isDisabled(), true);
    await page.getByTestId('template-input').setInputFiles(photos.notes);
    await page.getByTestId('authoring-error').filter({ hasText: 'is not an image' }).waitFor();
    await shot('refused');
  });

  it('creates a case: faces found as numbered slots, avatars dropped in and assigned, saved to the gallery and disk', async () => {
    await page.getByTestId('template-input').setInputFiles(photos.duo);
    await page.getByTestId('faces-status').filter({ hasText: '2 faces found' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('authoring-error').isHidden(), true);
    assert.equal(await page.locator('[data-testid^=preview-slot-]').count(), 2);

    // Avatars arrive by drag and drop: a DataTransfer with the demo photos, dropped on the zone.
    const files = [
      { name: 'camera.png', type: 'image/png', b64: sourcePhoto('camera.png').toString('base64') },
      { name: 'astronaut.png', type: 'image/png', b64: sourcePhoto('astronaut.png').toString('base64') },
      {
        name: 'grace_hopper.jpg',
        type: 'image/jpeg',
        b64: sourcePhoto('grace_hopper.jpg').toString('base64'),
      },
    ];
    const transfer = await page.evaluateHandle((list) => {
      const dt = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name, { type: f.type }));
      }
      return dt;
    }, files);
    await page.getByTestId('avatars-drop').dispatchEvent('drop', { dataTransfer: transfer });
    await page.getByTestId('avatar-pick-3').waitFor();
    // Slot n takes avatar n by default; remove the third avatar, then leave the second person out and back.
    await page.getByRole('button', { name: 'Remove avatar grace_hopper.jpg' }).click();
    assert.equal(await page.locator('[data-testid^=avatar-pick-]').count(), 2);
    assert.equal(await page.getByTestId('slot-1-avatar').inputValue(), '0');
    assert.equal(await page.getByTestId('slot-2-avatar').inputValue(), '1');
    await page.getByTestId('slot-2-avatar').selectOption('');
    await page.getByTestId('slot-1-avatar').selectOption('');
    assert.equal(await page.getByTestId('save-case').isDisabled(), true, 'a case needs one slot at least');
    await page.getByTestId('slot-1-avatar').selectOption('0');
    await page.getByTestId('slot-2-avatar').selectOption('1');

    await page.getByTestId('save-case').click();
    await page.getByTestId('authoring-error').filter({ hasText: 'Give the case a name' }).waitFor();
    await page.getByTestId('case-title').fill('Browser duo: camera and astronaut swapped in');
    await page.getByTestId('case-id').fill('browser_duo');
    await page.getByTestId('case-prompt').fill('Swap both people; keep the grey background.');
    await page.getByTestId('case-tags').fill('browser, two-people');
    await shot('dialog');
    await page.getByTestId('save-case').click();

    const card = page.getByTestId('case-card-browser_duo');
    await card.waitFor({ timeout: 30_000 });
    assert.equal(await page.getByTestId('case-authoring').isVisible(), false);
    assert.match(await page.getByTestId('toast').innerText(), /Test case browser_duo created/);
    assert.equal(await card.locator('.slot-box').count(), 2);
    assert.equal(await page.getByTestId('case-browser_duo').isChecked(), true);
    const manifest = JSON.parse(readFileSync(join(data.datasets, 'browser_duo', 'case.json'), 'utf8'));
    assert.deepEqual(manifest.tags, ['browser', 'two-people']);
    assert.equal(manifest.prompt, 'Swap both people; keep the grey background.');
    assert.deepEqual(
      manifest.slots.map((s: { avatar: string }) => s.avatar),
      ['avatars/1_camera.png', 'avatars/2_astronaut.png'],
    );
    await card.scrollIntoViewIfNeeded();
    await shot('gallery');
  });

  it('runs the new case', async () => {
    await page.getByTestId('select-no-cases').click();
    await page.getByTestId('case-browser_duo').check();
    for (const box of await page.locator('input[name=tool]:not(:disabled)').all())
      if (await box.isChecked()) await box.uncheck();
    await page.getByTestId('tool-control_paste').check();
    await page.getByTestId('run-button').click();
    await page.locator('[data-testid=run-panel][data-run-status=finished]').waitFor({ timeout: 90_000 });
    const cell = page.getByTestId('cell-browser_duo-control_paste');
    assert.equal(await cell.getAttribute('data-status'), 'scored');
    await cell.scrollIntoViewIfNeeded();
    await shot('run');
  });

  it('deletes an unused case at once, and offers to archive a case a run refers to', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    answers.push(true);
    await page.getByTestId('delete-case-demo_solo_profile').click();
    await page.getByTestId('case-card-demo_solo_profile').waitFor({ state: 'detached' });
    assert.equal(existsSync(join(data.datasets, 'demo_solo_profile')), false);

    dialogs.length = 0;
    answers.push(true, false);
    await page.getByTestId('delete-case-browser_duo').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=toast]')?.textContent !== '');
    await page.waitForTimeout(300);
    assert.equal(dialogs.length, 2, dialogs.join(' | '));
    assert.match(dialogs[1], /used by 1 run .*cannot be deleted.*Archive "browser_duo" instead/s);
    assert.equal(await page.getByTestId('case-card-browser_duo').count(), 1, 'declined: the case stays');

    answers.push(true, true);
    await page.getByTestId('delete-case-browser_duo').click();
    await page.getByTestId('case-card-browser_duo').waitFor({ state: 'detached' });
    assert.match(await page.getByTestId('toast').innerText(), /browser_duo archived/);
    assert.equal(existsSync(join(data.datasets, 'browser_duo')), false);
    assert.ok(existsSync(join(data.datasets, '.archive')));
  });
});
