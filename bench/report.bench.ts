/**
 * Report export benchmark: a finished 50 cases × 5 tools run (fabricated through the real database and
 * RunsService, with 1024² outputs made by sharp from the repository's public-domain photos; no network),
 * whose report images were put in the variant cache by the runner's own warmer (the cases' at the start,
 * each output's as it was stored). Exported three times, each printed as ratios to the targets:
 *
 * - after the run: nothing is encoded; as the process's first export (like `swapbench report`) it also
 *   loads the compiled components;
 * - cold: the cache moved aside, as for a run from before the cache — everything is encoded (and cached);
 * - repeat: from the cache the cold export filled.
 *
 * The three files must be identical but for the "generated" date. Then the app's run-panel fragment.
 *
 *   npx tsc -p tsconfig.json && npm run build:site && node dist/bench/report.bench.js
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ComponentRenderer } from '../libs/report/components.renderer';
import { parallelEncodes } from '../libs/report/inline-images';
import { ReportService } from '../libs/report/report.service';
import { fabricateRun } from '../test/fixtures/report-run.fixture';
import { buildRunPanel, urlImages } from '../libs/report/run-panel.builder';
import { REPORT_IMAGE_BUDGET } from '../libs/report-images/report-variants';
import { VARIANT_CACHE_FOLDER } from '../libs/report-images/variant-cache';
import { CasesService } from '../libs/cases/cases.service';
import { RunsService } from '../libs/runs/runs.service';
import { ToolRegistry } from '../libs/tools/tools.registry';

const CASES = 50;
const TOOLS = 5;
/** Issue 6's targets for a 50 × 5 run. */
const TARGET_SECONDS = 5;
const TARGET_MB = 25;

async function main(): Promise<void> {
  let start = performance.now();
  const fixture = await fabricateRun({
    cases: CASES,
    tools: TOOLS,
    size: 1024,
    failEvery: 9,
    rateEvery: 3,
    photoOutputs: true,
    runnerReportImages: true,
  });
  console.log(
    `fabricated ${CASES} × ${TOOLS} run ${fixture.runId} with the runner's report images in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  try {
    const reports = fixture.app.get(ReportService);
    const cache = join(fixture.root, 'runs', VARIANT_CACHE_FOLDER);
    const aside = `${cache}-runner`;
    const pages: string[] = [];
    const exportOnce = async (label: string) => {
      start = performance.now();
      const cpu = process.cpuUsage();
      const html = await reports.render(fixture.runId);
      const seconds = (performance.now() - start) / 1000;
      const { user, system } = process.cpuUsage(cpu);
      const mb = Buffer.byteLength(html) / 1e6;
      pages.push(html);
      console.log(
        `report export, ${label}: ${seconds.toFixed(2)} s (${(seconds / TARGET_SECONDS).toFixed(2)} × the ${TARGET_SECONDS} s target; ` +
          `${((user + system) / 1e6).toFixed(1)} s CPU), ${mb.toFixed(2)} MB (${(mb / TARGET_MB).toFixed(2)} × the ${TARGET_MB} MB target)`,
      );
    };
    await exportOnce("after the run (all images from the runner's cache; first export of the process)");
    await rename(cache, aside);
    await exportOnce('cold (no cache)');
    await exportOnce('repeat (from the cache the cold export filled)');
    await rm(aside, { recursive: true });
    const withoutDate = (page: string) => page.replace(/ · generated [^<]*/, '');
    const same = pages.every((page) => withoutDate(page) === withoutDate(pages[0]));
    console.log(`  the three reports are ${same ? 'identical' : 'DIFFERENT'} (but for the date)`);
    if (!same) process.exitCode = 1;
    const detail = await fixture.app.get(RunsService).detail(fixture.runId);
    const withImage = detail.items.filter((i) => i.image_url).length;
    console.log(
      `  ${detail.items.length} items, ${withImage} with an image: ${(Buffer.byteLength(pages[0]) / withImage / 1e3).toFixed(0)} kB per output`,
    );
    console.log(
      `  budget: thumbs ${REPORT_IMAGE_BUDGET.thumb.width} px q${REPORT_IMAGE_BUDGET.thumb.quality}, full ≤ ${REPORT_IMAGE_BUDGET.full.width} px q${REPORT_IMAGE_BUDGET.full.quality} (WebP); ${parallelEncodes()} images read or encoded at once`,
    );

    const renderer = fixture.app.get(ComponentRenderer);
    const panel = await buildRunPanel(
      detail,
      await fixture.app.get(CasesService).summaries(),
      await fixture.app.get(ToolRegistry).summaries(),
      urlImages,
    );
    const times: number[] = [];
    for (let i = 0; i < 10; i++) times.push((await renderer.runPanel(panel, 'app')).ms);
    times.sort((a, b) => a - b);
    console.log(
      `app run-panel fragment (250 cells): median ${times[5].toFixed(1)} ms, max ${times[9].toFixed(1)} ms over 10 renders`,
    );
  } finally {
    await fixture.close();
    await rm(fixture.root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
