import { Injectable, Logger } from '@nestjs/common';
import { CasesService } from '../cases/cases.service';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { JudgementService } from '../judgement/judgement.service';
import { comparisonSection, insertSection } from '../results/comparison-section';
import { compareRuns } from '../results/run-comparison';
import { RunsService } from '../runs/runs.service';
import { ToolRegistry, describeTool } from '../tools/tools.registry';
import { ComponentRenderer } from './components.renderer';
import { InlineImages } from './inline-images';
import { buildRunPanel } from './run-panel.builder';
import { SharedFiles } from '../database/shared-files';

/**
 * Renders a run as one self-contained HTML file (`report_<run_id>.html`): the same components as the
 * web app, with the stylesheet, a small sort/filter script and every image inlined, so it opens from
 * disk with no network. Used by `GET /api/runs/{id}/report` and `swapbench report`.
 */
@Injectable()
export class ReportService {
  private readonly logger = new Logger('ReportService');

  constructor(
    private readonly runs: RunsService,
    private readonly cases: CasesService,
    private readonly tools: ToolRegistry,
    private readonly renderer: ComponentRenderer,
    private readonly judgement: JudgementService,
    private readonly settings: SwapbenchSettings,
    private readonly files: SharedFiles,
  ) {}

  /** The report's HTML. Throws the RunsService's UserError (404) for an unknown run. */
  async render(runId: string, options: { baseline?: string } = {}): Promise<string> {
    const start = performance.now();
    const [run, cases] = await Promise.all([this.runs.detail(runId), this.cases.summaries()]);
    // In team mode the outputs were stored by the workers: each is brought into this process's folder.
    for (const item of run.items) if (item.image_path) await this.files.fetch('runs', item.image_path);
    // The first report of a process loads the compiled components (0.6–1.5 s of JavaScript); start that
    // now so it overlaps the image encodes, which run on libuv's pool rather than this thread.
    const loading = this.renderer.styles().catch(() => undefined);
    // Names and kinds only: a report must not wait on availability checks that may call a provider.
    const tools = this.tools.all().map((tool) => describeTool(tool, { available: true }));
    const images = new InlineImages(this.settings);
    const panel = await buildRunPanel(run, cases, tools, images, await this.judgement.forRun(run.id));
    const imagesMs = performance.now() - start;
    await loading;
    const { html, ms } = await this.renderer.reportPage({ panel, generatedAt: new Date().toISOString() });
    this.logger.log(
      `report for ${run.id}: ${run.items.length} items, ${(html.length / 1e6).toFixed(1)} MB, ` +
        `${Math.round(performance.now() - start)} ms (images ${Math.round(imagesMs)} ms: ${images.reused} ` +
        `from the cache, ${images.encoded} encoded${images.unwritten ? `, ${images.unwritten} not cached` : ''}; ` +
        `render ${ms.toFixed(0)} ms)`,
    );
    if (options.baseline === undefined) return html;
    // The comparison with a baseline run (docs/suites.md) is a section of its own beside the shared
    // components.
    const baseline = await this.runs.detail(options.baseline);
    return insertSection(html, comparisonSection(compareRuns(baseline, run)));
  }
}
