/**
 * The `worker` command as the user sees it. One definition for the help that nest-commander prints
 * (`WorkerCommand`) and the parser of the worker door (`worker-door.ts`), which runs a worker in an
 * application of its own (no CLI container, no HTTP server).
 */
export const WORKER_COMMAND = {
  name: 'worker',
  description:
    "Run team mode's jobs (docs/team.md): generate items with the tools and score them, on any machine that reaches the team's Postgres and Redis (SWAPBENCH_DATABASE_URL, SWAPBENCH_REDIS_URL).",
} as const;

export const WORKER_OPTIONS = {
  queues: {
    flags: '--queues <list>',
    description: 'which jobs to take: generate, score, or both (default generate,score)',
  },
  concurrency: {
    flags: '--concurrency <n>',
    description: "jobs of one queue at once (default: a tool's own limit; the cores for scoring)",
  },
  lockSeconds: {
    flags: '--lock-seconds <n>',
    description: "how soon a dead worker's jobs go to another worker (default 30)",
  },
} as const;

/** What `worker` was given, as commander parses it. */
export interface WorkerFlags {
  queues?: string;
  concurrency?: string;
  lockSeconds?: string;
}

/** Whether the arguments ask for a worker (its `--help` is answered before, by the help door). */
export function isWorkerRequest(args: string[]): boolean {
  return args[0] === WORKER_COMMAND.name;
}
