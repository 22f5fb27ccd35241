import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliEnv, finished, startSwapbench } from './support/cli';
import { makeTempData } from './support/fixtures';

// Issue 16: `swapbench serve` runs the server's application only, not the server inside the CLI's
// container: one database connection, not two. A SQLite connection holds the database file open, so
// the open handles of the process on that file (its -wal and -shm files left out) count the connections.

const data = makeTempData('one-app');
after(() => data.cleanup());

/** The process's open file descriptors that point at `file` (Linux: /proc/<pid>/fd). */
function openHandles(pid: number, file: string): number {
  const target = realpathSync(file);
  const folder = `/proc/${pid}/fd`;
  return readdirSync(folder).filter((fd) => {
    try {
      return readlinkSync(join(folder, fd)) === target;
    } catch {
      return false; // closed between the listing and the look
    }
  }).length;
}

test(
  'swapbench serve holds one connection to the database',
  { skip: process.platform !== 'linux' && 'reads /proc', timeout: 60_000 },
  async () => {
    const child = startSwapbench(['serve', '--port', '0'], cliEnv(data));
    const done = finished(child, 55_000);
    let stdout = '';
    child.stdout?.on('data', (chunk: string) => (stdout += chunk));
    try {
      const listening = await Promise.race([
        new Promise<string>((resolve) =>
          child.stdout?.on('data', () => {
            const url = /swapbench is running at (\S+)/.exec(stdout)?.[1];
            if (url) resolve(url);
          }),
        ),
        done.then((r) => assert.fail(`serve ended (${r.code}) before listening: ${r.stderr}`)),
      ]);
      // The server answers: every module has started, the database included.
      const runs = await fetch(`${listening.replace('localhost', '127.0.0.1')}/api/runs`);
      assert.equal(runs.status, 200);
      assert.equal(openHandles(child.pid!, join(data.runs, 'swapbench.db')), 1);
    } finally {
      child.kill('SIGTERM');
      await done.catch(() => undefined);
    }
  },
);
