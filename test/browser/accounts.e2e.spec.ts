import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { serverUrl, startServer } from '../../apps/server/bootstrap';
import { AccountsService } from '../../libs/accounts/accounts.service';
import { packageRoot } from '../../libs/core/package-root';
import { launchChromium } from '../support/chromium';
import { makeTempData, writeFaceCases, type TempData } from '../support/fixtures';
import { settingsFor } from '../support/temp-data';

// The web app of a team server in Chromium (docs/team.md, Accounts): an invite link signs in once and
// offers a password, the header says who is signed in, an admin invites from the accounts page, a rater
// sees no run or case controls, and signing out shows the login page. Needs Postgres (team mode).

const server = process.env.SWAPBENCH_TEST_DATABASE_URL;
const needsServer = { skip: !server && 'SWAPBENCH_TEST_DATABASE_URL names no Postgres server (team mode)' };
const shots = join(packageRoot(), 'test-results');

describe('the web app of a team server', needsServer, () => {
  let data: TempData;
  let app: INestApplication;
  let browser: Browser;
  let base: string;

  before(async () => {
    data = makeTempData('accounts-browser');
    await writeFaceCases(data.datasets, 2, 'tc');
    const settings = settingsFor(
      { datasets: data.datasets, runs: data.runs, databaseUrl: data.databaseUrl },
      { SWAPBENCH_REDIS_URL: 'redis://127.0.0.1:6379' },
    );
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings });
    base = serverUrl(app);
    browser = await launchChromium();
    mkdirSync(shots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    data?.cleanup();
  });

  /** A new browser (no cookie) on the login page the invite link opens, signed in with it. */
  async function signInWithInvite(invite: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await page.goto(`${base}/login#invite=${invite}`);
    assert.equal(
      await page.getByTestId('invite-code').inputValue(),
      invite,
      'the code is read from the link',
    );
    assert.equal(new URL(page.url()).hash, '', 'and taken out of the address bar');
    await page.getByTestId('invite-submit').click();
    await page.getByTestId('choose-password').waitFor();
    return page;
  }

  it(
    'signs an admin in with the invite link, sets a password and invites a rater',
    { timeout: 60_000 },
    async () => {
      const { invite } = await app.get(AccountsService).add('ada', 'admin');
      const page = await signInWithInvite(invite);
      await page.screenshot({ path: join(shots, 'accounts-choose-password.png') });
      await page.getByTestId('new-password').fill('ada has a long password');
      await page.getByTestId('password-submit').click();
      await page.waitForURL(`${base}/`);
      assert.equal(await page.getByTestId('account-name').textContent(), 'ada');
      assert.equal(await page.getByTestId('account-role').textContent(), 'admin');
      assert.ok(await page.getByTestId('run-form').isVisible(), 'an admin runs benchmarks');
      assert.ok(await page.getByTestId('new-case-button').isVisible());
      assert.equal(await page.getByTestId('rater-form').count(), 0, 'no name to type: the account rates');
      const cookies = await page.context().cookies();
      assert.deepEqual(
        cookies.map((c) => [c.name, c.httpOnly, c.sameSite]),
        [['swapbench_session', true, 'Strict']],
      );
      assert.equal(await page.evaluate(() => document.cookie), '', 'the session is out of scripts’ reach');
      await page.screenshot({ path: join(shots, 'accounts-admin-app.png') });

      await page.getByTestId('admin-link').click();
      await page.waitForURL(`${base}/admin`);
      await page.getByTestId('invite-name').fill('rita');
      await page.getByTestId('invite-create').click();
      await page.getByTestId('invite-url').waitFor();
      const link = await page.getByTestId('invite-url').inputValue();
      assert.match(link, new RegExp(`^${base}/login#invite=[0-9a-f]{32}\\.[A-Za-z0-9_-]{43}$`));
      await page.getByTestId('account-rita').waitFor();
      assert.match((await page.getByTestId('account-rita').textContent()) ?? '', /rater.*not used yet/);
      assert.match((await page.locator('#accounts-title').textContent()) ?? '', /Accounts\s*2/);
      await page.screenshot({ path: join(shots, 'accounts-admin-page.png'), fullPage: true });

      // The rater follows the link in a browser of their own, skips the password, and sees no admin controls.
      const rater = await signInWithInvite(decodeURIComponent(link.split('#invite=')[1]));
      await rater.getByTestId('continue-link').click();
      await rater.waitForURL(`${base}/`);
      assert.equal(await rater.getByTestId('account-name').textContent(), 'rita');
      assert.equal(await rater.getByTestId('admin-link').count(), 0);
      assert.equal(await rater.getByTestId('run-form').isVisible(), false, 'a rater starts no run');
      assert.equal(await rater.getByTestId('new-case-button').isVisible(), false, 'nor makes cases');
      assert.equal(await rater.getByTestId('tool-picker').isVisible(), false);
      assert.equal(await rater.locator('[data-action=delete-case]').first().isVisible(), false);
      await rater.screenshot({ path: join(shots, 'accounts-rater-app.png') });
      await rater.goto(`${base}/arena`);
      assert.equal(await rater.getByTestId('account-name').textContent(), 'rita');
      const admin = await rater.goto(`${base}/admin`);
      assert.equal(admin?.status(), 403);

      // Signing out ends the session: the app shows the login page again.
      await rater.goto(`${base}/`);
      await rater.getByTestId('sign-out').click();
      await rater.waitForURL(`${base}/login`);
      const again = await rater.goto(`${base}/`);
      assert.equal(again?.status(), 401);
      assert.ok(await rater.getByTestId('login').isVisible());
    },
  );

  it(
    'refuses a wrong password and a used invite on the login page, then signs in',
    { timeout: 30_000 },
    async () => {
      const page = await (await browser.newContext()).newPage();
      const first = await page.goto(`${base}/arena`);
      assert.equal(first?.status(), 401, 'a signed-out page is the login page');
      await page.getByTestId('login-name').fill('ada');
      await page.getByTestId('login-password').fill('not the password');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('login-error').waitFor();
      assert.equal(await page.getByTestId('login-error').textContent(), 'name or password is wrong');
      await page.screenshot({ path: join(shots, 'accounts-login-wrong.png') });
      await page.getByTestId('login-password').fill('ada has a long password');
      await page.getByTestId('login-submit').click();
      // Back to the page that was asked for.
      await page.waitForURL(`${base}/arena`);
      assert.equal(await page.getByTestId('account-name').textContent(), 'ada');
    },
  );
});
