import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { launchChromium } from './support/chromium';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { packageRoot } from '../libs/core/package-root';
import { makeTempData, writeFaceCases } from './support/fixtures';

// The app must work under its Content-Security-Policy: a real Chromium loads the page, runs a benchmark
// through the bundled client script, and reports no CSP violation (inline style, script, connection).

const data = makeTempData('csp');
let app: INestApplication;
let browser: Browser;

before(async () => {
  await writeFaceCases(data.datasets, 2, 'tc');
  delete process.env.OPENAI_API_KEY;
  app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await app?.close();
  data.cleanup();
});

it('runs a benchmark in Chromium under the CSP with no violation', { timeout: 90_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const violations: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
      violations.push(m.text());
  });
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Refused to load (CSP ${e.violatedDirective}): ${e.blockedURI}`),
    ),
  );
  const response = await page.goto(`${serverUrl(app)}/`);
  assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);

  // The inlined stylesheet applies (its hash is in the policy): the top bar is laid out by it.
  const display = await page.locator('header.topbar').evaluate((el) => getComputedStyle(el).display);
  assert.notEqual(display, 'block', 'the shared stylesheet styles the top bar');

  // The bundled script works: it starts a run and follows it live over Socket.IO to its end.
  for (const tool of ['control_paste', 'classic_swap'])
    await page.getByTestId(`tool-${tool}`).setChecked(false);
  await page.getByTestId('tool-control_template').setChecked(true);
  await page.getByTestId('run-button').click();
  await page.locator('[data-testid=run-panel][data-run-status=finished]').waitFor({ timeout: 60_000 });
  const progress = await page.getByTestId('progress-text').textContent();
  assert.match(progress ?? '', /2\/2 done/);
  const shots = join(packageRoot(), 'test-results');
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, 'csp-run-finished.png'), fullPage: true });
  assert.deepEqual(violations, []);
});
