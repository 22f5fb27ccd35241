import type { Repository } from 'typeorm';
import { UserError } from '../core/user-error';
import type { Run } from './run.entity';

/**
 * The run a caller names, or null. A run id is at most 64 characters, none of them a control character:
 * anything else names no run and is not looked up (Postgres cannot even compare text holding a NUL).
 */
export function findRun(runs: Repository<Run>, runId: unknown): Promise<Run | null> {
  if (typeof runId !== 'string' || runId.length > 64 || [...runId].some(isControl)) {
    return Promise.resolve(null);
  }
  return runs.findOneBy({ id: runId });
}

function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/** The run to cancel: 404 when unknown, 409 when it has already ended. */
export async function runToCancel(runs: Repository<Run>, runId: string): Promise<Run> {
  const run = await findRun(runs, runId);
  if (!run) throw new UserError(`Unknown run "${runId}"`, 404);
  if (run.status === 'finished' || run.status === 'canceled') {
    throw new UserError(
      `Run ${runId} has already ${run.status === 'finished' ? 'finished' : 'been canceled'}.`,
      409,
    );
  }
  return run;
}
