/**
 * The props of the shared Astro components (`site/src/components/`). The web app and the HTML report
 * build these from the same run data; only the image sources differ (URLs in the app, data URIs in the
 * report). The components import these types, so a change here is checked on both sides.
 */
import type { Slot } from '../cases/test-case';
import type { ItemStatus, RunProgress, RunStatus, ScoreBreakdown } from '../core/run-events';
import type { RunJudgement } from '../judgement/judgement.service';
import type { ToolOptionSpec } from '../tools/tool';
import type { TeamView } from '../team/team-view';

/** Where the rendered HTML will live: `app` adds the interactive controls, `report` stays read-only. */
export type RenderMode = 'app' | 'report';

/** A test case as the gallery and the grid's row headers show it. */
export interface CaseCardModel {
  id: string;
  title: string;
  valid: boolean;
  /** Why the case cannot be used (file and field), or null. */
  error: string | null;
  tags: string[];
  slots: Slot[];
  /** Template size in pixels, so the slot boxes can be drawn as percentages over any thumbnail size. */
  width: number | null;
  height: number | null;
  /** Whether the scorer can score the case: null while unknown (the gallery shows it is being checked). */
  scorable: boolean | null;
  /** Why the scorer cannot score the case, or null. */
  unscorableReason: string | null;
  /** Image sources (URL or data URI), null when the file is not there. */
  template: string | null;
  avatars: Array<string | null>;
}

/** A tool as the picker, the grid's column headers and the leaderboard show it. No secrets. */
export interface ToolCardModel {
  id: string;
  name: string;
  description: string;
  kind: 'api' | 'local' | 'control';
  control: boolean;
  available: boolean;
  reason: string | null;
  /** Option values used (in a run) or defaults (in the picker), secret-looking keys removed. */
  options: Record<string, string | number | boolean>;
  /** In the picker: each option's spec (type, default, choices, bounds), secret-looking keys removed. */
  optionSpecs?: Record<string, ToolOptionSpec>;
}

/** One run item, as a grid cell shows it. */
export interface CellModel {
  itemId: number;
  caseId: string;
  toolId: string;
  status: ItemStatus;
  score: number | null;
  breakdown: ScoreBreakdown | null;
  error: string | null;
  cached: boolean;
  /** Mean stars over the raters (one rating in force each), and how many raters. */
  stars: number | null;
  starsN: number;
  /** The viewing rater's own stars (the app's buttons show these), or null. */
  myStars: number | null;
  ratings: number;
  latencyMs: number | null;
  costUsd: number | null;
  /** Small image for the grid, or null before the output exists. */
  thumb: string | null;
  /** Full-size image for the lightbox, or null. */
  full: string | null;
  /** Which sample of its case × variant this item is (0-based). */
  sample: number;
  /**
   * With more than one sample per case × variant, every sample of the cell (this one included) in order,
   * for the strip under the cell; empty with one sample.
   */
  samples: SampleModel[];
}

/** One sample in a cell's strip: enough to show its thumbnail and score and open it full size. */
export interface SampleModel {
  itemId: number;
  sample: number;
  status: ItemStatus;
  score: number | null;
  thumb: string | null;
  full: string | null;
}

/** The cases × tools grid of one run. */
export interface GridModel {
  runId: string;
  /**
   * Blind: the columns are "Output 1…n" in an order shuffled per case, and the cells carry no tool, no
   * machine score, no error, latency or cost (see `blind-panel.ts`).
   */
  blind: boolean;
  cases: CaseCardModel[];
  tools: ToolCardModel[];
  cells: CellModel[];
}

/** One variant's line in the leaderboard (a tool under its label). Means are null when there is nothing to average. */
export interface LeaderboardRow {
  toolId: string;
  name: string;
  control: boolean;
  items: number;
  scored: number;
  failed: number;
  /** Failed items the service refused. */
  refused: number;
  /** The headline mean: a failed or refused item counts as 0 (`variant-scores.headlineMean`). */
  meanScore: number | null;
  /** The mean over scored items only. */
  meanScored: number | null;
  /**
   * 95% bootstrap interval of the headline mean machine score (fixed seed, so the same run gives the same interval):
   * cases resampled, then samples within each case, so it reflects both which cases and which draws.
   */
  scoreInterval: [number, number] | null;
  meanStars: number | null;
  ratedCount: number;
  /** Scored items over the items that were scored or failed, 0–1; null before any ended. */
  successRate: number | null;
  /** Refused items over the items that were scored or failed, 0–1; null before any ended. */
  refusalRate: number | null;
  meanLatencyMs: number | null;
  /** Total known cost over images produced, in USD; null when no cost is known. */
  costPerImage: number | null;
}

/** How well the machine score agrees with the human stars over the rated, scored items. */
export interface AgreementModel {
  /** Items with both a machine score and stars. */
  pairs: number;
  /** Spearman's rank correlation, or null below `minimumPairs` or when either side never varies. */
  spearman: number | null;
  minimumPairs: number;
}

/** The run facts the header shows. */
export interface RunHeaderModel {
  id: string;
  status: RunStatus;
  createdAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  progress: RunProgress;
  caseCount: number;
  tools: ToolCardModel[];
  totalCostUsd: number | null;
  concurrency: number;
  cache: boolean;
  /**
   * The scorer versions of the run's scored items, newest-looking first, `null` for scores from before
   * versions were recorded. More than one means the scores are not all comparable.
   */
  scorerVersions: Array<string | null>;
}

/** The summary above a run's grid: header, leaderboard and agreement (the app refreshes it on its own). */
export interface RunSummaryModel {
  header: RunHeaderModel;
  leaderboard: LeaderboardRow[];
  agreement: AgreementModel;
  /** Arena leaderboard and agreement between raters, or null when not computed (component tests). */
  judgement: RunJudgement | null;
  /** Blind: the summary shows only the run id and a reveal button (it would name tools and scores). */
  blind: boolean;
}

/** Everything shown for one run: header, leaderboard, agreement and grid. */
export interface RunPanelModel extends RunSummaryModel {
  grid: GridModel;
}

/** A run in the app's list of earlier runs. */
export interface RunListEntry {
  id: string;
  status: RunStatus;
  createdAt: string;
  caseCount: number;
  toolIds: string[];
  progress: RunProgress;
}

/** The app page: gallery, tool picker, earlier runs, and the script and stylesheet to load. */
/** Who is signed in to a team server, as the pages' header shows it. */
export interface AccountBadge {
  name: string;
  role: 'admin' | 'rater';
}

export interface AppPageModel {
  /** The signed-in account on a team server; null in the single-user mode (no accounts). */
  account: AccountBadge | null;
  cases: CaseCardModel[];
  tools: ToolCardModel[];
  runs: RunListEntry[];
  /** What the run form starts with: the server's defaults for a run (`RUN_DEFAULTS`). */
  runDefaults: { concurrency: number; cache: boolean };
  styles: string;
  scripts: string[];
}

/** The arena page: the runs to pick from, the one picked (`?run=`), and the arena script and stylesheet. */
export interface ArenaPageModel {
  account: AccountBadge | null;
  runs: RunListEntry[];
  /** The run picked (`?run=`), or several run ids joined by commas, or null. */
  selected: string | null;
  styles: string;
  scripts: string[];
}

/** A team server's login page. */
export interface LoginPageModel {
  styles: string;
  scripts: string[];
}

/** An admin's accounts page: every account (never a secret) and the invite form. */
export interface AdminPageModel {
  account: AccountBadge;
  accounts: Array<{
    name: string;
    role: string;
    created_at: string;
    password_set: boolean;
    invite_pending: boolean;
    signed_in: number;
  }>;
  styles: string;
  scripts: string[];
  /** The team's workers and queues (`GET /api/team`). */
  team: TeamView;
}

/** The self-contained report: the run panel plus inlined stylesheet and script. */
export interface ReportPageModel {
  panel: RunPanelModel;
  generatedAt: string;
  styles: string;
  script: string;
}
