import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { serverUrl, startServer } from '../../apps/server/bootstrap';
import { DemoCasesService } from '../../libs/cases/demo-cases.service';
import { packageRoot } from '../../libs/core/package-root';
import type { RunDetail } from '../../libs/runs/run-views';
import { launchChromium } from '../support/chromium';
import { useTempData } from '../support/temp-data';

/**
 * Variants, samples and comparisons in a real Chromium against the real server (docs/suites.md): the tool
 * picker shows a tool's options with their defaults and adds a second variant under a label; the grid has
 * one column per variant and a strip of every sample in a cell; "compare with…" shows the paired
 * comparison with an earlier run. Screenshots go to `test-results/`.
 */

const RUN_TIMEOUT = 90_000;

describe('variants and samples in the web app', () => {
  let data: ReturnType<typeof useTempData>;
  let app: INestApplication;
  let base: string;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let caseIds: string[];

  const shot = (name: string) =>
    page.screenshot({ path: join(shots, `variants-${name}.png`), fullPage: true });

  async function post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 202, await res.clone().text());
    return (await res.json()) as T;
  }

  async function finished(runId: string): Promise<RunDetail> {
    for (let i = 0; i < RUN_TIMEOUT / 200; i++) {
      const run = (await (await fetch(`${base}/api/runs/${runId}`)).json()) as RunDetail;
      if (run.status !== 'running') return run;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`run ${runId} did not finish`);
  }

  before(async () => {
    data = useTempData('browser-variants');
    await new DemoCasesService(data.settings).generate();
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
    base = serverUrl(app);
    shots = join(packageRoot(), 'test-results');
    await mkdir(shots, { recursive: true });
    const cases = (await (await fetch(`${base}/api/test-cases`)).json()) as Array<{
      id: string;
      valid: boolean;
    }>;
    caseIds = cases.filter((c) => c.valid).map((c) => c.id);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    data?.dispose();
  });

  it('the picker shows options with defaults and runs a second variant of a tool under its label', async () => {
    await page.goto(base);
    const options = page.getByTestId('tool-options-classic_swap');
    await options.locator('summary').click();
    assert.equal(await options.locator('[data-option=feather]').first().inputValue(), '0.08');
    assert.equal(await options.locator('[data-option=colourMatch]').first().isChecked(), true);

    await page.getByTestId('add-variant-classic_swap').click();
    const variant = options.locator('[data-role=variant]');
    await variant.locator('[data-role=variant-label]').fill('classic-plain');
    await variant.locator('[data-option=colourMatch]').setChecked(false);
    await options.locator('fieldset[data-role=tool-options] [data-option=feather]').fill('0.12');
    for (const id of caseIds) await page.getByTestId(`case-${id}`).setChecked(id === caseIds[0]);
    for (const tool of ['control_template', 'control_paste', 'classic_swap'])
      await page.getByTestId(`tool-${tool}`).setChecked(tool === 'classic_swap');
    await shot('picker');

    const request = page.waitForRequest((r) => r.url().endsWith('/api/run') && r.method() === 'POST');
    await page.getByTestId('run-button').click();
    const body = (await request).postDataJSON() as Record<string, unknown>;
    assert.deepEqual(body.tool_ids, ['classic_swap']);
    assert.deepEqual(body.variants, [
      { tool_id: 'classic_swap', label: 'classic-plain', options: { feather: 0.08, colourMatch: false } },
    ]);
    assert.deepEqual((body.options as { tool_options: unknown }).tool_options, {
      classic_swap: { feather: 0.12 },
    });

    await page.waitForURL((url) => url.searchParams.has('run'), { timeout: 15_000 });
    const runId = new URL(page.url()).searchParams.get('run')!;
    const run = await finished(runId);
    assert.deepEqual(run.variants, [
      { label: 'classic_swap', tool_id: 'classic_swap' },
      { label: 'classic-plain', tool_id: 'classic_swap' },
    ]);
    assert.deepEqual(run.options.toolOptions, {
      classic_swap: { feather: 0.12, colourMatch: true },
      'classic-plain': { feather: 0.08, colourMatch: false },
    });
    await page
      .locator(`[data-testid=run-panel][data-run-id="${runId}"][data-run-status=finished]`)
      .waitFor({ timeout: RUN_TIMEOUT });
    const headers = await page
      .locator('[data-testid=results-grid] thead th[data-tool-id]')
      .evaluateAll((ths) => ths.map((th) => (th as HTMLElement).dataset.toolId));
    assert.deepEqual(headers, ['classic_swap', 'classic-plain']);
  });

  it('a cell shows every sample, and "compare with…" compares with an earlier run', async () => {
    const request = {
      case_ids: caseIds.slice(0, 2),
      variants: [{ tool_id: 'control_paste', label: 'paste' }],
      options: { samples: 3 },
    };
    const { run_id: first } = await post<{ run_id: string }>('/api/run', request);
    await finished(first);
    const { run_id: second } = await post<{ run_id: string }>('/api/run', request);
    const run = await finished(second);
    assert.deepEqual(
      run.items.map((i) => `${i.case_id}/${i.variant}/${i.sample}`),
      caseIds.slice(0, 2).flatMap((c) => [0, 1, 2].map((s) => `${c}/paste/${s}`)),
    );

    await page.goto(`${base}/?run=${second}`);
    await page.locator(`[data-testid=run-panel][data-run-id="${second}"]`).waitFor();
    const strip = page.getByTestId(`samples-${caseIds[0]}-paste`);
    assert.equal(await strip.locator('li').count(), 3);
    assert.match((await strip.textContent()) ?? '', /#0[\s\S]*#1[\s\S]*#2/);
    await strip.locator('li').nth(2).locator('a').click();
    assert.ok(await page.locator(`[id="full-${run.items[2].id}"]`).isVisible(), 'sample 2 opens full size');
    await page.keyboard.press('Escape');
    await page.goto(`${base}/?run=${second}`);

    await page.getByTestId('compare-with').locator('summary').click();
    await page.getByTestId('compare-baseline').selectOption(first);
    const result = page.getByTestId('compare-result');
    await result.locator('table').first().waitFor();
    const row = await result
      .locator('table')
      .first()
      .locator('tbody tr')
      .first()
      .locator('td')
      .allTextContents();
    assert.deepEqual(row.slice(0, 2), ['paste', '2']);
    assert.equal(row[4], '+0.0');
    await shot('compare');
  });
});
