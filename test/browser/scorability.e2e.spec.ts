import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { serverUrl, startServer } from '../../apps/server/bootstrap';
import { DemoCasesService } from '../../libs/cases/demo-cases.service';
import { launchChromium } from '../support/chromium';
import { writeCase } from '../support/fixtures';
import { useTempData } from '../support/temp-data';

/**
 * The gallery marks a case the scorer cannot score once the server's background check has its verdict,
 * updating the card in place (a card the user is looking at is never swapped out), unticking it and
 * saying why; the cases it can score stay ticked.
 */
describe('gallery scorability marks in the browser', () => {
  let data: ReturnType<typeof useTempData>;
  let app: INestApplication;
  let browser: Browser;
  let page: Page;

  before(async () => {
    data = useTempData('scorability');
    await new DemoCasesService(data.settings).generate();
    // Flat colour: no face for the scorer to find at its slot.
    await writeCase(data.datasets, 'faceless', 7);
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    data?.dispose();
  });

  it('marks the faceless case with its reason and unticks it, in place; the demo cases stay ticked', async () => {
    await page.goto(`${serverUrl(app)}/`);
    const card = page.getByTestId('case-card-faceless');
    await card.waitFor();
    // Tag the element: if the poller replaced it, the tag would be gone.
    await card.evaluate((el) => el.setAttribute('data-seen', 'first'));
    const reason = page.getByTestId('case-unscorable-faceless');
    await reason.waitFor({ timeout: 60_000 });
    assert.match(await reason.innerText(), /No face found in the template at slot p1/);
    assert.equal(await card.getAttribute('data-seen'), 'first', 'the same card element, updated in place');
    assert.equal(await card.getAttribute('data-scorable'), 'false');
    assert.equal(await page.getByTestId('case-faceless').isChecked(), false);
    assert.equal(await page.getByTestId('case-checking-faceless').count(), 0);
    await page.locator('.case-card[data-case-id=demo_duo][data-scorable=true]').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('case-demo_duo').isChecked(), true);
  });
});
