/** Status of one run item. `generated` and `evaluating` sit between the tool's image and its score. */
export type ItemStatus =
  'queued' | 'generating' | 'generated' | 'evaluating' | 'scored' | 'failed' | 'canceled';

/**
 * Why an item failed, for counting (docs/api.md §4.1): `refused` a safety or content refusal, `rate_limited`,
 * `auth` (a missing or rejected key, no access, no quota), `timeout`, `bad_output` (an answer that is not a
 * usable image), `server` (the service failed on its side), `network` (it could not be reached),
 * `canceled`, `unscorable` (the scorer could not score the output), `other` (anything else: an invalid
 * request, a tool that crashed, a disk that is full, a case that is gone).
 */
export type ItemErrorCode =
  | 'refused'
  | 'rate_limited'
  | 'auth'
  | 'timeout'
  | 'bad_output'
  | 'server'
  | 'network'
  | 'canceled'
  | 'unscorable'
  | 'other';

/** One failed attempt of an item, kept in its history (a retry no longer overwrites the last). */
export interface AttemptFailure {
  attempt: number;
  code: ItemErrorCode;
  message: string;
  at: string;
}

export const TERMINAL_STATUSES: ReadonlySet<ItemStatus> = new Set(['scored', 'failed', 'canceled']);

/** Status of a whole run. `interrupted` is a run whose process died; it resumes where it stopped. */
export type RunStatus = 'running' | 'finished' | 'canceled' | 'interrupted';

/** Counts of items by where they stand, sent with every update so a client can draw a progress bar. */
export interface RunProgress {
  total: number;
  done: number;
  scored: number;
  failed: number;
  canceled: number;
}

/**
 * The progress event of the API contract (docs/api.md §3.1). The first six fields are fixed by the contract;
 * the rest are additions that clients may rely on.
 */
export interface ItemUpdated {
  type: 'update';
  case_id: string;
  tool_id: string;
  status: ItemStatus;
  image_url: string | null;
  score: number | null;
  run_id: string;
  item_id: number;
  /** The variant's label and the 0-based sample (docs/suites.md). */
  variant: string;
  sample: number;
  error: string | null;
  /** Why the item failed, as a code (`ItemErrorCode`); null otherwise. */
  error_code: ItemErrorCode | null;
  cached: boolean;
  breakdown: ScoreBreakdown | null;
  progress: RunProgress;
}

export interface RunStarted {
  type: 'run_started';
  run_id: string;
  progress: RunProgress;
}

export interface RunFinished {
  type: 'run_finished';
  run_id: string;
  status: RunStatus;
  progress: RunProgress;
}

export type RunEvent = ItemUpdated | RunStarted | RunFinished;

/**
 * The parts of a machine score and the raw measures behind them, by name: numbers, and a few verdicts
 * in words (`slot.<id>.identity_verdict`: `same`, `other` or `template`; see docs/score.md).
 */
export type ScoreBreakdown = Record<string, number | string>;
