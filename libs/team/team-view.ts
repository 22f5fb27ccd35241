// The team as the API and the pages show it: plain shapes, which the browser's code imports too.

/** A worker as it last said it was (in Redis, under `workersKey`). */
export interface WorkerSeen {
  host: string;
  pid: number;
  queues: string[];
  started_at: string;
  seen_at: string;
  /** Jobs finished, and jobs that failed (handed back when the worker stopped, or broken). */
  done: number;
  failed: number;
}

/** The team as `GET /api/team` shows it (docs/api.md). */
export interface TeamView {
  team_mode: boolean;
  /** Workers heard of in the last hour, newest first; `alive` when heard of within three heartbeats. */
  workers: Array<WorkerSeen & { alive: boolean }>;
  /** Jobs waiting and running in each queue with any. */
  queues: Array<{ name: string; waiting: number; active: number }>;
}
