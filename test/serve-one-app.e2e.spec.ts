import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packageRoot } from '../libs/core/package-root';
import { cliEnv, finished, startSwapbench, swapbench } from './support/cli';
import { makeTempData } from './support/fixtures';

// Issue 16: the entry point picks the door from the arguments before any Nest container exists.
// `swapbench serve` runs the server's application only, not the server inside the CLI's container: one
// database connection, not two. A SQLite connection holds the database file open, so the process's open
// handles on that file (its -wal and -shm files left out) count the connections.

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
  'swapbench serve --demo holds one connection to the database, and writes the demo cases first',
  {
    skip:
      (process.platform !== 'linux' && 'reads /proc') ||
      (data.databaseUrl !== undefined && 'counts the handles on the SQLite file'),
    timeout: 90_000,
  },
  async () => {
    const child = startSwapbench(['serve', '--port', '0', '--demo'], cliEnv(data));
    const done = finished(child, 85_000);
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
      assert.match(stdout, /^Created \d+ demo cases in .*datasets\nswapbench is running at/);
      // The server answers with the cases: every module has started, the database included.
      const cases = await fetch(`${listening.replace('localhost', '127.0.0.1')}/api/test-cases`);
      assert.equal(cases.status, 200);
      assert.ok(((await cases.json()) as unknown[]).length > 0, 'the demo cases are served');
      assert.equal(openHandles(child.pid!, join(data.runs, 'swapbench.db')), 1);
    } finally {
      child.kill('SIGTERM');
      await done.catch(() => undefined);
    }
  },
);

describe('the server door keeps the CLI contract', { concurrency: true }, () => {
  const env = cliEnv(data);

  test('serve --help prints its options from the command tree', async () => {
    const help = await swapbench(['serve', '--help'], env);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage: swapbench serve \[options\]/);
    assert.match(help.stdout, /--port <n> +port to listen on/);
    assert.match(help.stdout, /--host <address>/);
    assert.match(help.stdout, /--demo +create the demo cases first/);
    assert.match(help.stdout, /Example:\n {2}swapbench serve --port 8000/);
    const program = await swapbench(['--help'], env);
    assert.match(program.stdout, /serve .*Run the web app and API/);
  });

  test('a bad --port, an unknown option and a port in use exit 2, naming what is wrong', async () => {
    const bad = await swapbench(['serve', '--port', 'abc'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--port must be a whole number from 0 to 65535; got "abc"/);

    const unknown = await swapbench(['serve', '--nope'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--nope'/);

    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const busy = await swapbench(['serve', '--port', String(port)], env);
      assert.equal(busy.code, 2, busy.stderr);
      assert.match(busy.stderr, new RegExp(`Port ${port} is in use; pick another with --port`));
    } finally {
      taken.close();
    }
  });

  test('a bad setting in the environment exits 2 naming the variable, in both doors', async () => {
    const cli = await swapbench(['runs'], { ...env, SWAPBENCH_RUNS: data.runs, PORT: 'abc' });
    assert.equal(cli.code, 2);
    assert.equal(cli.stderr, 'swapbench: PORT must be a whole number 0–65535, got "abc"\n');

    const server = await finished(
      spawn(process.execPath, [join(packageRoot(), 'dist', 'apps', 'server', 'main.js')], {
        cwd: data.root,
        env: { ...env, PORT: 'abc' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    assert.equal(server.code, 2);
    assert.match(server.stderr, /PORT must be a whole number 0–65535, got "abc"/);
  });
});
