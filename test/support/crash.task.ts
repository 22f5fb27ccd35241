import { existsSync, writeFileSync } from 'node:fs';
import { workerTask } from '../../libs/faces/worker-task';

/**
 * Ends the worker thread it runs on, as a crash would: every time, or only while `marker` does not
 * exist yet (it is created first, so the job's second run succeeds).
 */
export function crashWorker({ marker, always }: { marker: string; always: boolean }): string {
  if (always || !existsSync(marker)) {
    writeFileSync(marker, '');
    process.exit(1);
  }
  return 'ran';
}

/** `crashWorker` as a worker task. */
export const CRASH_WORKER = workerTask(__filename, { crashWorker });
