import { Injectable, Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../core/package-root';
import type {
  AdminPageModel,
  AppPageModel,
  ArenaPageModel,
  CaseCardModel,
  CellModel,
  LoginPageModel,
  RenderMode,
  ReportPageModel,
  RunListEntry,
  RunPanelModel,
  RunSummaryModel,
} from './view-model';

// Astro is ESM-only; this CommonJS build may still name its types when it says they resolve as `import`.
import type { experimental_AstroContainer } from 'astro/container' with { 'resolution-mode': 'import' };

type AstroContainerModule = { experimental_AstroContainer: typeof experimental_AstroContainer };
type AstroContainer = Awaited<ReturnType<AstroContainerModule['experimental_AstroContainer']['create']>>;
type Component = Parameters<AstroContainer['renderToString']>[0];

/** What `site/src/server/entry.ts` exports once `npm run build:site` has compiled it. */
interface SiteBundle {
  AdminPage: Component;
  AppPage: Component;
  LoginPage: Component;
  ArenaPage: Component;
  ReportPage: Component;
  RunPanel: Component;
  RunSummary: Component;
  ResultCell: Component;
  CaseGallery: Component;
  RunsList: Component;
  /** The shared stylesheet, inlined by both pages. */
  styles: string;
  /** The report's sort/filter script, bundled as one self-contained string. */
  gridScript: string;
}

/** Rendered HTML and how long the render took, for the `Server-Timing` header and the logs. */
export interface Rendered {
  html: string;
  ms: number;
}

/** Where the site build puts its output. */
export function siteDist(): string {
  return join(packageRoot(), 'site', 'dist');
}

/**
 * Renders the shared Astro components with the Container API. The components were compiled ahead of
 * time (`npm run build:site` → `site/dist/server/entry.mjs`); the bundle and the container are loaded
 * once, on first use, and reused for every page, fragment and report.
 */
@Injectable()
export class ComponentRenderer {
  private readonly logger = new Logger('ComponentRenderer');
  private loading?: Promise<{ bundle: SiteBundle; container: AstroContainer }>;

  /** The shared stylesheet (for inlining into pages). */
  async styles(): Promise<string> {
    return (await this.load()).bundle.styles;
  }

  async appPage(page: Omit<AppPageModel, 'styles'>): Promise<Rendered> {
    const { bundle } = await this.load();
    return this.render('AppPage', { page: { ...page, styles: bundle.styles } }, false);
  }

  async arenaPage(page: Omit<ArenaPageModel, 'styles'>): Promise<Rendered> {
    const { bundle } = await this.load();
    return this.render('ArenaPage', { page: { ...page, styles: bundle.styles } }, false);
  }

  /** A team server's login page. */
  async loginPage(page: Omit<LoginPageModel, 'styles'>): Promise<Rendered> {
    const { bundle } = await this.load();
    return this.render('LoginPage', { page: { ...page, styles: bundle.styles } }, false);
  }

  /** A team server's accounts page, for an admin. */
  async adminPage(page: Omit<AdminPageModel, 'styles'>): Promise<Rendered> {
    const { bundle } = await this.load();
    return this.render('AdminPage', { page: { ...page, styles: bundle.styles } }, false);
  }

  async reportPage(page: Omit<ReportPageModel, 'styles' | 'script'>): Promise<Rendered> {
    const { bundle } = await this.load();
    return this.render(
      'ReportPage',
      { page: { ...page, styles: bundle.styles, script: bundle.gridScript } },
      false,
    );
  }

  async runPanel(panel: RunPanelModel, mode: RenderMode): Promise<Rendered> {
    return this.render('RunPanel', { panel, mode }, true);
  }

  /** The run panel's summary (header, leaderboard, agreement) without the grid. */
  async runSummary(summary: RunSummaryModel): Promise<Rendered> {
    return this.render('RunSummary', { summary }, true);
  }

  async cell(cell: CellModel, mode: RenderMode, label: string, blind = false): Promise<Rendered> {
    return this.render('ResultCell', { cell, mode, label, blind }, true);
  }

  async runsList(runs: RunListEntry[]): Promise<Rendered> {
    return this.render('RunsList', { runs }, true);
  }

  /** The app's gallery of test cases, refreshed after a case is created or removed. */
  async caseGallery(cases: CaseCardModel[]): Promise<Rendered> {
    return this.render('CaseGallery', { cases, mode: 'app' }, true);
  }

  private async render(
    name:
      | 'AdminPage'
      | 'LoginPage'
      | 'AppPage'
      | 'ArenaPage'
      | 'ReportPage'
      | 'RunPanel'
      | 'RunSummary'
      | 'ResultCell'
      | 'RunsList'
      | 'CaseGallery',
    props: Record<string, unknown>,
    partial: boolean,
  ): Promise<Rendered> {
    const { bundle, container } = await this.load();
    const start = performance.now();
    const html = await container.renderToString(bundle[name], { props, partial });
    const ms = performance.now() - start;
    this.logger.debug(`${name} rendered in ${ms.toFixed(1)} ms (${html.length} chars)`);
    return { html, ms };
  }

  private load(): Promise<{ bundle: SiteBundle; container: AstroContainer }> {
    this.loading ??= (async () => {
      const start = performance.now();
      const entry = join(siteDist(), 'server', 'entry.mjs');
      if (!existsSync(entry)) {
        throw new Error(`The site is not built (${entry} is missing): run \`npm run build:site\`.`);
      }
      // A real dynamic import (module nodenext keeps it): the bundle and Astro are ES modules.
      const bundle = (await import(pathToFileURL(entry).href)) as SiteBundle;
      const astro: AstroContainerModule = await import('astro/container');
      const container = await astro.experimental_AstroContainer.create();
      this.logger.log(`site components loaded in ${(performance.now() - start).toFixed(0)} ms`);
      return { bundle, container };
    })();
    // A failed load (site not built yet) is retried on the next request instead of being cached.
    this.loading.catch(() => (this.loading = undefined));
    return this.loading;
  }
}
