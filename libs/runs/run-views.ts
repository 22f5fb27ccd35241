import type { ItemStatus, RunProgress, RunStatus } from '../core/run-events';
import type { RunOptions } from './run.entity';

/** A run item as the API (`GET /api/runs/{id}`), the CLI's JSON and the report show it. */
export interface RunItemView {
  id: number;
  run_id: string;
  case_id: string;
  tool_id: string;
  /** The variant's label (the tool id unless the run labelled it, SPEC §11). */
  variant: string;
  /** 0-based sample of the case × variant. */
  sample: number;
  status: ItemStatus;
  /** URL of the output under `/runs/...`, or null before it exists. */
  image_url: string | null;
  /** Output path relative to the runs folder, or null. */
  image_path: string | null;
  score: number | null;
  breakdown: Record<string, number> | null;
  /** Version of the scorer that gave `score`; null when unscored or scored before versions existed. */
  scorer_version: string | null;
  error: string | null;
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
