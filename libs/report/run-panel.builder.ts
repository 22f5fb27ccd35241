import { invalidCaseSummary } from '../cases/cases.service';
import type { CaseSummary } from '../cases/test-case';
import type { RunDetail, RunItemView, RunView } from '../runs/run-views';
import type { RunJudgement } from '../judgement/judgement.service';
import type { ToolSummary } from '../tools/tools.registry';
import { agreement, leaderboard } from './run-stats';
import type {
  CaseCardModel,
  CellModel,
  RunListEntry,
  RunPanelModel,
  RunSummaryModel,
  ToolCardModel,
} from './view-model';

/**
 * Turns the URLs the data carries (`/datasets/...`, `/runs/...`) into image sources for one medium:
 * the app keeps the URLs, the report inlines the files as data URIs.
 */
export interface ImageSource {
  /** A case image (template or avatar) at its `/datasets/...` URL. */
  caseImage(url: string | null, role: 'template' | 'avatar'): Promise<string | null>;
  /** An output image at its `/runs/...` URL, small for the grid and full for the lightbox. */
  output(url: string | null): Promise<{ thumb: string | null; full: string | null }>;
}

/** Option names that may hold a secret; their values never reach the page or the report. */
const SECRET_OPTION = /key|secret|token|password|auth|credential/i;

export function publicOptions(
  options: Record<string, string | number | boolean>,
): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(options).filter(([k]) => !SECRET_OPTION.test(k)));
}

/** A case for the gallery or a grid row; images resolved through `images`. */
export async function caseCard(
  summary: CaseSummary & { scorable?: boolean | null; unscorable_reason?: string | null },
  images: ImageSource,
): Promise<CaseCardModel> {
  return {
    id: summary.id,
    title: summary.title,
    valid: summary.valid,
    error: summary.error,
    scorable: summary.scorable ?? null,
    unscorableReason: summary.unscorable_reason ?? null,
    tags: summary.tags,
    slots: summary.slots,
    width: summary.width,
    height: summary.height,
    template: await images.caseImage(summary.template_url, 'template'),
    avatars: await Promise.all(summary.avatar_urls.map((u) => images.caseImage(u, 'avatar'))),
  };
}

/** A tool for the picker (defaults as options) or a run (the run's option values). */
export function toolCard(
  summary: ToolSummary,
  options?: Record<string, string | number | boolean>,
): ToolCardModel {
  const values =
    options ?? Object.fromEntries(Object.entries(summary.options).map(([k, spec]) => [k, spec.default]));
  return {
    id: summary.id,
    name: summary.name,
    description: summary.description,
    kind: summary.kind,
    control: summary.control,
    available: summary.available,
    reason: summary.reason,
    options: publicOptions(values),
    ...(options === undefined && {
      optionSpecs: Object.fromEntries(
        Object.entries(summary.options).filter(([k]) => !SECRET_OPTION.test(k)),
      ),
    }),
  };
}

/** A tool a past run used that this process no longer knows (a removed plugin): shown by id. */
function unknownTool(id: string, options: Record<string, string | number | boolean>): ToolCardModel {
  return {
    id,
    name: id,
    description: 'not registered in this swapbench',
    kind: 'local',
    control: false,
    available: false,
    reason: 'not registered',
    options: publicOptions(options),
  };
}

/**
 * A grid cell. `siblings` are the items of the same case × variant (every sample); with more than one, the
 * cell carries them all for its sample strip. The cell's column is the item's variant.
 */
export async function cellModel(
  item: RunItemView,
  images: ImageSource,
  siblings: RunItemView[] = [item],
): Promise<CellModel> {
  const { thumb, full } = await images.output(item.image_url);
  return {
    itemId: item.id,
    caseId: item.case_id,
    toolId: item.variant,
    status: item.status,
    score: item.score,
    breakdown: item.breakdown,
    error: item.error,
    cached: item.cached,
    stars: item.stars,
    starsN: item.stars_n,
    myStars: item.my_stars,
    ratings: item.ratings,
    latencyMs: item.latency_ms,
    costUsd: item.cost_usd,
    thumb,
    full,
    sample: item.sample,
    samples:
      siblings.length < 2
        ? []
        : await Promise.all(
            [...siblings]
              .sort((a, b) => a.sample - b.sample)
              .map(async (s) => ({
                itemId: s.id,
                sample: s.sample,
                status: s.status,
                score: s.score,
                ...(s.id === item.id ? { thumb, full } : await images.output(s.image_url)),
              })),
          ),
  };
}

/**
 * The run's variants in its own order, with the option values each ran with: a tool's own variant under its
 * name, a labelled one as "name · label", each with the label as its id (the grid's column key).
 */
function runToolCards(run: RunDetail, tools: ToolSummary[]): ToolCardModel[] {
  const toolById = new Map(tools.map((t) => [t.id, t]));
  return run.variants.map(({ label, tool_id }) => {
    const options = run.options.toolOptions?.[label] ?? {};
    const known = toolById.get(tool_id);
    const card = known ? toolCard(known, options) : unknownTool(tool_id, options);
    return label === tool_id ? card : { ...card, id: label, name: variantName(card.name, tool_id, label) };
  });
}

/**
 * A variant's name wherever it heads a column or titles a cell: a tool's own variant by the tool's name, a
 * labelled one as "name · label".
 */
export function variantName(toolName: string, toolId: string, label: string): string {
  return label === toolId ? toolName : `${toolName} · ${label}`;
}

/** The items of each case × variant, keyed `case\0variant`. */
export function samplesByCell(items: RunItemView[]): Map<string, RunItemView[]> {
  const groups = new Map<string, RunItemView[]>();
  for (const item of items) {
    const key = `${item.case_id}\u0000${item.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

function summaryOf(
  run: RunDetail,
  runTools: ToolCardModel[],
  judgement: RunJudgement | null,
): RunSummaryModel {
  const costs = run.items.filter((i) => i.cost_usd !== null).map((i) => i.cost_usd as number);
  return {
    header: {
      id: run.id,
      status: run.status,
      createdAt: run.created_at,
      finishedAt: run.finished_at,
      durationMs: run.finished_at ? Date.parse(run.finished_at) - Date.parse(run.created_at) : null,
      progress: run.progress,
      caseCount: run.case_ids.length,
      tools: runTools,
      totalCostUsd: costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0),
      concurrency: run.options.concurrency,
      cache: run.options.cache,
      scorerVersions: scorerVersionsOf(run.items),
    },
    leaderboard: leaderboard(runTools, run.items),
    agreement: agreement(run.items),
    judgement,
    blind: false,
  };
}

/** The distinct scorer versions of the scored items: versions in descending order, then null (unversioned). */
export function scorerVersionsOf(items: RunItemView[]): Array<string | null> {
  const versions = new Set(items.filter((i) => i.status === 'scored').map((i) => i.scorer_version));
  const named = [...versions].filter((v): v is string => v !== null);
  named.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  return versions.has(null) ? [...named, null] : named;
}

/**
 * Header, leaderboard and agreement of one run, without the grid: no case cards, no cells, no images,
 * so the app can refresh the summary of a large run without re-rendering its grid.
 */
export function buildRunSummary(
  run: RunDetail,
  tools: ToolSummary[],
  judgement: RunJudgement | null = null,
): RunSummaryModel {
  return summaryOf(run, runToolCards(run, tools), judgement);
}

/** Header, leaderboard, agreement and grid of one run, in the run's own case and tool order. */
export async function buildRunPanel(
  run: RunDetail,
  cases: CaseSummary[],
  tools: ToolSummary[],
  images: ImageSource,
  judgement: RunJudgement | null = null,
): Promise<RunPanelModel> {
  const caseById = new Map(cases.map((c) => [c.id, c]));
  const runTools = runToolCards(run, tools);
  const runCases = await Promise.all(
    run.case_ids.map((id) =>
      caseCard(
        caseById.get(id) ?? invalidCaseSummary(id, `test case "${id}" is no longer in the datasets folder`),
        images,
      ),
    ),
  );
  // One cell per case × variant: its first sample, carrying the others for its strip.
  const cells = await Promise.all(
    [...samplesByCell(run.items).values()].map((group) => {
      const first = group.reduce((a, b) => (b.sample < a.sample ? b : a));
      return cellModel(first, images, group);
    }),
  );
  return {
    ...summaryOf(run, runTools, judgement),
    grid: { runId: run.id, blind: false, cases: runCases, tools: runTools, cells },
  };
}

export function runListEntry(run: RunView): RunListEntry {
  return {
    id: run.id,
    status: run.status,
    createdAt: run.created_at,
    caseCount: run.case_ids.length,
    toolIds: run.tool_ids,
    progress: run.progress,
  };
}

/** The app's image source: every image stays at its URL, served by the Nest static routes. */
export const urlImages: ImageSource = {
  caseImage: async (url) => url,
  output: async (url) => ({ thumb: url, full: url }),
};
