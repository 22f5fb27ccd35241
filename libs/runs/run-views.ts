import type {
  AttemptFailure,
  ItemErrorCode,
  ItemStatus,
  RunProgress,
  RunStatus,
  ScoreBreakdown,
} from '../core/run-events';
import { ratingFields } from '../ratings/ratings-in-force';
import { runsUrl } from './output-store';
import { RUN_DEFAULTS } from './run-request';
import type { RunItem } from './run-item.entity';
import { runVariants, type Run, type RunOptions } from './run.entity';

// The shapes runs are shown in, and the mappers from the stored rows to them. They sit below the
// services (RunsService, the executor, the item lifecycle, the live catch-up), which all use them.

/** A run item as the API (`GET /api/runs/{id}`), the CLI's JSON and the report show it. */
export interface RunItemView {
  id: number;
  run_id: string;
  case_id: string;
  tool_id: string;
  /** The variant's label (the tool id unless the run labelled it, docs/suites.md). */
  variant: string;
  /** 0-based sample of the case × variant. */
  sample: number;
  status: ItemStatus;
  /** URL of the output under `/runs/...`, or null before it exists. */
  image_url: string | null;
  /** Output path relative to the runs folder, or null. */
  image_path: string | null;
  score: number | null;
  breakdown: ScoreBreakdown | null;
  /** Version of the scorer that gave `score`; null when unscored or scored before versions existed. */
  scorer_version: string | null;
  error: string | null;
  /** Why the item failed (or its last attempt, while it retries), as a code (docs/api.md §4.1); null otherwise. */
  error_code: ItemErrorCode | null;
  /** Every failed attempt, oldest first: `{attempt, code, message, at}`. */
  attempt_failures: AttemptFailure[];
  cached: boolean;
  /** Mean of the human ratings in force (one per rater), 1–5, or null when unrated. */
  stars: number | null;
  /** How many raters have a rating of the item in force. */
  stars_n: number;
  /** The requesting rater's own stars (`?rater=`), or null. */
  my_stars: number | null;
  /** How many rating rows the item's history has (every rating and withdrawal). */
  ratings: number;
  attempts: number;
  latency_ms: number | null;
  cost_usd: number | null;
  model: string | null;
  started_at: string | null;
  finished_at: string | null;
}

/** A run without its items, as listed by `GET /api/runs`. */
export interface RunView {
  id: string;
  status: RunStatus;
  created_at: string;
  finished_at: string | null;
  case_ids: string[];
  tool_ids: string[];
  /** Columns of the run: each a tool under a label (its id by default). */
  variants: Array<{ label: string; tool_id: string }>;
  /** Outputs per case × variant. */
  samples: number;
  /** The suite file the run came from and its SHA-256, or null. */
  suite_path: string | null;
  suite_hash: string | null;
  options: RunOptions;
  progress: RunProgress;
}

/** A run with every item, as `GET /api/runs/{id}` answers. */
export interface RunDetail extends RunView {
  items: RunItemView[];
}

/** Progress from the items' statuses. */
export function progressOf(statuses: ItemStatus[]): RunProgress {
  const byStatus = new Map<ItemStatus, number>();
  for (const status of statuses) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  return progressFromCounts(byStatus);
}

/** Progress from the number of items in each status. */
export function progressFromCounts(byStatus: Map<ItemStatus, number>): RunProgress {
  const scored = byStatus.get('scored') ?? 0;
  const failed = byStatus.get('failed') ?? 0;
  const canceled = byStatus.get('canceled') ?? 0;
  const total = [...byStatus.values()].reduce((a, b) => a + b, 0);
  return { total, done: scored + failed + canceled, scored, failed, canceled };
}

type ItemRatingFields = ReturnType<typeof ratingFields>;

/** A stored run as the API lists it, with its progress. */
export function toRunView(run: Run, progress: RunProgress): RunView {
  return {
    id: run.id,
    status: run.status,
    created_at: run.createdAt,
    finished_at: run.finishedAt,
    case_ids: run.caseIds,
    tool_ids: run.toolIds,
    variants: runVariants(run).map((v) => ({ label: v.label, tool_id: v.toolId })),
    samples: run.options.samples ?? RUN_DEFAULTS.samples,
    suite_path: run.suitePath ?? null,
    suite_hash: run.suiteHash ?? null,
    options: run.options,
    progress,
  };
}

/** A stored item as the API, the CLI's JSON, the report and the live events show it. */
export function toItemView(item: RunItem, rating: ItemRatingFields = ratingFields(undefined)): RunItemView {
  const model = item.meta && typeof item.meta.model === 'string' ? item.meta.model : null;
  return {
    id: item.id,
    run_id: item.runId,
    case_id: item.caseId,
    tool_id: item.toolId,
    variant: item.variant,
    sample: item.sample ?? 0,
    status: item.status,
    image_url: item.status === 'queued' || item.status === 'generating' ? null : runsUrl(item.imagePath),
    image_path: item.status === 'queued' || item.status === 'generating' ? null : item.imagePath,
    score: item.score,
    breakdown: item.breakdown,
    scorer_version: item.scorerVersion,
    error: item.error,
    error_code: item.errorCode ?? null,
    attempt_failures: item.attemptFailures ?? [],
    cached: item.cached,
    stars: rating.stars,
    stars_n: rating.stars_n,
    my_stars: rating.my_stars,
    ratings: rating.ratings,
    attempts: item.attempts,
    latency_ms: item.latencyMs,
    cost_usd: item.costUsd,
    model,
    started_at: item.startedAt,
    finished_at: item.finishedAt,
  };
}

/** The event fields of an item view (everything but `type` and `progress`). */
export function eventFields(view: RunItemView) {
  return {
    run_id: view.run_id,
    item_id: view.id,
    case_id: view.case_id,
    tool_id: view.tool_id,
    variant: view.variant,
    sample: view.sample,
    status: view.status,
    image_url: view.image_url,
    score: view.score,
    breakdown: view.breakdown,
    error: view.error,
    error_code: view.error_code,
    cached: view.cached,
  };
}
