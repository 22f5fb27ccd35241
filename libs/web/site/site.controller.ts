import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CasesService } from '../../cases/cases.service';
import type { Rendered } from '../../report/components.renderer';
import type { AccountBadge } from '../../report/view-model';
import { SwapbenchSettings } from '../../core/config/swapbench-settings';
import { ComponentRenderer } from '../../report/components.renderer';
import { ReportService } from '../../report/report.service';
import {
  buildRunPanel,
  buildRunSummary,
  caseCard,
  cellModel,
  runListEntry,
  toolCard,
  urlImages,
  variantName,
} from '../../report/run-panel.builder';
import { JudgementService } from '../../judgement/judgement.service';
import { blindCell, blindOrder, blindPanel, blindSummary } from '../../report/blind-panel';
import { RUN_DEFAULTS } from '../../runs/run-request';
import { RunsService } from '../../runs/runs.service';
import { viewerOf } from './viewer';
import { ScorabilityService } from '../../runs/scorability.service';
import { ToolRegistry } from '../../tools/tools.registry';
import { pagePolicy } from './page-policy';
import { assetFile, clientAssets } from './site-assets';
import { RowIdPipe } from '../http/row-id.pipe';
import { AccountsService, type SignedIn } from '../../accounts/accounts.service';
import { AdminOnly, SignedInAs } from '../http/roles.guard';
import { TeamStatus } from '../../team/team-status';

/**
 * The web app's HTML: the page at `/`, the run fragments the client script swaps in, the client build's
 * assets, and the report download. Every piece of markup comes from the shared Astro components.
 */
@ApiTags('web app')
@Controller()
export class SiteController {
  constructor(
    private readonly cases: CasesService,
    private readonly tools: ToolRegistry,
    private readonly runs: RunsService,
    private readonly scorability: ScorabilityService,
    private readonly renderer: ComponentRenderer,
    private readonly report: ReportService,
    private readonly judgement: JudgementService,
    private readonly accounts: AccountsService,
    private readonly team: TeamStatus,
    private readonly settings: SwapbenchSettings,
  ) {}

  @Get()
  @ApiExcludeEndpoint()
  async page(@SignedInAs() account: SignedIn | null, @Res() res: Response): Promise<void> {
    const [cases, tools, runs] = await Promise.all([
      this.scorability.listing(),
      this.tools.summaries(),
      this.runs.list(50),
    ]);
    const rendered = await this.renderer.appPage({
      account: badgeOf(account),
      cases: await Promise.all(cases.map((c) => caseCard(c, urlImages))),
      tools: tools.map((t) => toolCard(t)),
      runs: runs.map(runListEntry),
      runDefaults: { concurrency: RUN_DEFAULTS.concurrency, cache: RUN_DEFAULTS.cache },
      scripts: clientAssets().scripts,
    });
    sendHtml(res, rendered, pagePolicy(await this.renderer.styles()));
  }

  /**
   * Header, leaderboard, agreement and grid of one run, as an HTML fragment for the app. `?rater=<name>`
   * shows that rater's own stars; `&blind=1` renders the blind panel (no tool names, no machine scores).
   */
  @Get('app/runs/:id/grid')
  @ApiExcludeEndpoint()
  async runPanel(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @SignedInAs() account: SignedIn | null,
    @Res() res: Response,
  ): Promise<void> {
    const viewer = viewerOf(query, account);
    const [run, cases, tools] = await Promise.all([
      this.runs.detail(id, viewer.rater),
      this.cases.summaries(),
      this.tools.summaries(),
    ]);
    const judgement = viewer.blind ? null : await this.judgement.forRun(run.id);
    const panel = await buildRunPanel(run, cases, tools, urlImages, judgement);
    sendHtml(
      res,
      await this.renderer.runPanel(viewer.blind ? blindPanel(panel, viewer.rater) : panel, 'app'),
    );
  }

  /**
   * Header, leaderboard and agreement of one run without the grid (the `data-part="summary"` block of
   * the panel), so the app can refresh them on a rating or while a run goes without re-rendering and
   * re-downloading every cell of a large grid.
   */
  @Get('app/runs/:id/summary')
  @ApiExcludeEndpoint()
  async runSummary(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @SignedInAs() account: SignedIn | null,
    @Res() res: Response,
  ): Promise<void> {
    const viewer = viewerOf(query, account);
    const [run, tools] = await Promise.all([this.runs.detail(id, viewer.rater), this.tools.summaries()]);
    if (viewer.blind) {
      sendHtml(res, await this.renderer.runSummary(blindSummary(buildRunSummary(run, tools))));
      return;
    }
    const summary = buildRunSummary(run, tools, await this.judgement.forRun(run.id));
    sendHtml(res, await this.renderer.runSummary(summary));
  }

  /**
   * One grid cell (`<td data-item-id>`), so the app can patch a cell when its item changes. Reads the
   * item, the other samples of its case × variant and the case's title, nothing else of the run: the live
   * view asks for a cell on every item event, and no tool's availability is checked for it.
   */
  @Get('app/runs/:id/items/:itemId')
  @ApiExcludeEndpoint()
  async cell(
    @Param('id') id: string,
    @Param('itemId', RowIdPipe) itemId: number,
    @Query() query: Record<string, unknown>,
    @SignedInAs() account: SignedIn | null,
    @Res() res: Response,
  ): Promise<void> {
    const viewer = viewerOf(query, account);
    const { variants, item, samples } = await this.runs.cellItems(id, itemId, viewer.rater);
    // The case's title as the grid's row shows it: a case that no longer loads goes by its id.
    const loaded = await this.cases.load(item.case_id);
    const title = 'error' in loaded ? item.case_id : loaded.title;
    // A cell shows every sample of its case × variant (its strip) and is keyed by its first sample.
    const cell = await cellModel(samples[0], urlImages, samples);
    if (viewer.blind) {
      const labels = variants.map((v) => v.label);
      const position = blindOrder(item.run_id, viewer.rater, item.case_id, labels).indexOf(item.variant);
      sendHtml(
        res,
        await this.renderer.cell(blindCell(cell, position), 'app', `${title} × Output ${position + 1}`, true),
      );
      return;
    }
    // The tool's name from the registry alone (a removed plugin's by its id), as the grid's column head.
    const tool = this.tools.all().find((t) => t.id === item.tool_id)?.name ?? item.tool_id;
    sendHtml(
      res,
      await this.renderer.cell(cell, 'app', `${title} × ${variantName(tool, item.tool_id, item.variant)}`),
    );
  }

  /**
   * The pairwise arena (docs/judgement.md): two outputs of a case side by side, names hidden. `?run=<id>`
   * picks the run.
   */
  @Get('arena')
  @ApiExcludeEndpoint()
  async arenaPage(
    @Query('run') run: unknown,
    @SignedInAs() account: SignedIn | null,
    @Res() res: Response,
  ): Promise<void> {
    const runs = (await this.runs.list(50)).filter((r) => r.progress.scored > 0 || r.status === 'running');
    // `?run=<a>,<b>` compares several runs on the same cases: offered as one more choice.
    const asked =
      typeof run === 'string'
        ? [...new Set(run.split(','))].filter((id) => runs.some((r) => r.id === id))
        : [];
    const selected = asked.length > 0 ? asked.join(',') : (runs[0]?.id ?? null);
    const rendered = await this.renderer.arenaPage({
      account: badgeOf(account),
      runs: runs.map(runListEntry),
      selected,
      scripts: clientAssets().arena,
    });
    sendHtml(res, rendered, pagePolicy(await this.renderer.styles()));
  }

  /**
   * A team server's login page; the account gate also sends it, with status 401, in place of any page
   * asked for while signed out. In the single-user mode there is nothing to sign in to: the app instead.
   */
  @Get('login')
  @ApiExcludeEndpoint()
  async login(@Res() res: Response): Promise<void> {
    if (!this.settings.teamMode) return res.redirect(303, '/');
    await this.sendLoginPage(res);
  }

  /** Sends the login page (with whatever status `res` already has). */
  async sendLoginPage(res: Response): Promise<void> {
    const rendered = await this.renderer.loginPage({ scripts: clientAssets().login });
    sendHtml(res, rendered, pagePolicy(await this.renderer.styles()), res.statusCode);
  }

  /** An admin's page of a team server: every account, a form that invites someone, the workers and queues. */
  @Get('admin')
  @AdminOnly()
  @ApiExcludeEndpoint()
  async admin(@SignedInAs() account: SignedIn | null, @Res() res: Response): Promise<void> {
    const badge = badgeOf(account);
    if (!badge) return res.redirect(303, '/');
    const rendered = await this.renderer.adminPage({
      account: badge,
      accounts: await this.accounts.list(),
      team: await this.team.view(),
      scripts: clientAssets().admin,
    });
    sendHtml(res, rendered, pagePolicy(await this.renderer.styles()));
  }

  /** The gallery of test cases, refreshed by the app after it creates or removes a case. */
  @Get('app/cases')
  @ApiExcludeEndpoint()
  async gallery(@Res() res: Response): Promise<void> {
    const cases = await this.scorability.listing();
    sendHtml(
      res,
      await this.renderer.caseGallery(await Promise.all(cases.map((c) => caseCard(c, urlImages)))),
    );
  }

  /** The earlier-runs list, refreshed by the app after it starts a run. */
  @Get('app/runs')
  @ApiExcludeEndpoint()
  async runsList(@Res() res: Response): Promise<void> {
    const runs = await this.runs.list(50);
    sendHtml(res, await this.renderer.runsList(runs.map(runListEntry)));
  }

  @Get('api/runs/:id/report')
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The self-contained HTML report, as the download `report_<id>.html`.' })
  async download(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const run = await this.runs.get(id);
    const html = await this.report.render(run.id);
    res
      .status(200)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Disposition': `attachment; filename="report_${run.id}.html"`,
        'Cache-Control': 'no-store',
      })
      .send(html);
  }

  /** The client build (hashed names, so cached for good); confined to `site/dist/client/_astro`. */
  @Get('_astro/*path')
  @ApiExcludeEndpoint()
  asset(@Req() req: Request, @Res() res: Response): void {
    const file = assetFile(req.path);
    if (!file) {
      res.status(404).json({ error: `Not found: ${req.path.slice(0, 200)}` });
      return;
    }
    res.sendFile(file, { maxAge: '365d', immutable: true, dotfiles: 'deny' });
  }
}

/** The header's account: the signed-in one on a team server, none in the single-user mode. */
function badgeOf(account: SignedIn | null): AccountBadge | null {
  return account ? { name: account.name, role: account.role } : null;
}

/** Sends a page or fragment; fragments get the strictest policy (they are fetched, never navigated to). */
function sendHtml(res: Response, rendered: Rendered, policy = pagePolicy(null), status = 200): void {
  res
    .status(status)
    .set({
      'Content-Security-Policy': policy,
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // How long the component render took, visible in the browser's network panel.
      'Server-Timing': `render;dur=${rendered.ms.toFixed(1)};desc="Astro container render"`,
    })
    .send(rendered.html);
}
