/**
 * Report export benchmark: a finished 50 cases × 5 tools run (fabricated through the real database and
 * RunsService, with 1024² outputs made by sharp from the repository's public-domain photos; no network), exported twice (cold: first load of the
 * compiled components; warm), plus the app's run-panel fragment for the same run. Prints the figures.
 *
 *   npx tsc -p tsconfig.json && npm run build:site && node dist/bench/report.bench.js
 */
import { rm } from 'node:fs/promises';
import { ComponentRenderer } from '../libs/report/components.renderer';
import { parallelEncodes } from '../libs/report/inline-images';
import { REPORT_IMAGE_BUDGET } from '../libs/report-images/report-variants';
import { ReportService } from '../libs/report/report.service';
import { fabricateRun } from '../libs/report/report-run.fixture';
import { buildRunPanel, urlImages } from '../libs/report/run-panel.builder';
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
  });
  console.log(
    `fabricated ${CASES} × ${TOOLS} run ${fixture.runId} in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  try {
    const reports = fixture.app.get(ReportService);
    const sizes: number[] = [];
    for (const label of ['cold', 'warm']) {
      start = performance.now();
      const cpu = process.cpuUsage();
      const html = await reports.render(fixture.runId);
      const seconds = (performance.now() - start) / 1000;
      const { user, system } = process.cpuUsage(cpu);
      const mb = Buffer.byteLength(html) / 1e6;
      sizes.push(Buffer.byteLength(html));
      console.log(
        `report export (${label}): ${seconds.toFixed(2)} s (${(seconds / TARGET_SECONDS).toFixed(2)} × the ${TARGET_SECONDS} s target; ` +
          `${((user + system) / 1e6).toFixed(1)} s CPU), ${mb.toFixed(2)} MB (${(mb / TARGET_MB).toFixed(2)} × the ${TARGET_MB} MB target)`,
      );
    }
    const detail = await fixture.app.get(RunsService).detail(fixture.runId);
    const withImage = detail.items.filter((i) => i.image_url).length;
    console.log(
      `  ${detail.items.length} items, ${withImage} with an image: ${(sizes[1] / withImage / 1e3).toFixed(0)} kB per output`,
    );
    console.log(
      `  budget: thumbs ${REPORT_IMAGE_BUDGET.thumb.width} px q${REPORT_IMAGE_BUDGET.thumb.quality}, full ≤ ${REPORT_IMAGE_BUDGET.full.width} px q${REPORT_IMAGE_BUDGET.full.quality} (WebP); ${parallelEncodes()} images encoded at once`,
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
