import type { Repository } from 'typeorm';
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
