import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { RunsService } from '../libs/runs/runs.service';
import { cliEnv, swapbench } from './support/cli';
import { makeTempData, writeFaceCases } from './support/fixtures';

// docs/cli.md §7.6: `run --server <url>` starts the run on that server through its API and follows it from
// here, with a local run's output and exit codes. Here against a single-user server (no token needed);
// the team server's refusals (no token, a wrong one, a rater's) are in accounts.e2e.spec.ts.

describe('run --server', () => {
  const served = makeTempData('run-server');
  const here = makeTempData('run-client');
  let app: INestApplication;
  let base: string;

  before(async () => {
    await writeFaceCases(served.datasets, 1, 'tc');
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: served.settings });
    base = serverUrl(app);
  });
  after(async () => {
    await app?.close();
    served.cleanup();
    here.cleanup();
  });

  it('runs on the server and prints the result as a local run does', { timeout: 120_000 }, async () => {
    const args = ['run', '--server', base, '--cases', 'tc_01', '--tools', 'control_template,control_paste'];
    const json = await swapbench([...args, '--json'], cliEnv(here));
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as {
      run_id: string;
      status: string;
      items: Array<{ status: string; image_path: string | null; score: number | null }>;
      tools: Array<{ tool_id: string; scored: number }>;
    };
    assert.equal(result.status, 'finished');
    assert.equal(result.items.length, 2);
    for (const item of result.items) {
      assert.equal(item.status, 'scored');
      assert.match(item.image_path ?? '', new RegExp(`^${base}/runs/\\S+\\.(png|jpg|webp)$`));
    }
    // The run is the server's: stored there, not here.
    assert.equal((await app.get(RunsService).get(result.run_id)).id, result.run_id);
    assert.equal(json.stderr, '', 'nothing on stderr with --json on a pipe');

    const table = await swapbench(args, cliEnv(here));
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^Run \S+ finished: 2 scored, 0 failed, 0 canceled of 2/);
    assert.match(table.stderr, /^run \S+: 2 items\n/);
    assert.match(table.stderr, /\[\d\/2\] tc_01 × control_paste: scored \d/);

    const gated = await swapbench([...args, '--fail-under', '100'], cliEnv(here));
    assert.equal(gated.code, 1, gated.stderr);
    assert.match(gated.stderr, /Below --fail-under 100: /);
  });

  it('names bad input with exit 2, the server’s own refusals included', { timeout: 60_000 }, async () => {
    for (const [args, message] of [
      [['--server', 'bench.example.org'], /--server: give the server's address/],
      [
        ['--server', 'http://127.0.0.1:2'],
        /--server http:\/\/127\.0\.0\.1:2: cannot reach it \(ECONNREFUSED\)/,
      ],
      [['--server', base, '--resume', 'r1'], /--server starts a new run/],
      [['--token', 'abc'], /--token goes with --server <url>/],
      [['--server', base, '--token', 'two words'], /--token: give the token/],
      [['--server', base, '--tools', 'no_such_tool'], new RegExp(`${base} refused: .*no_such_tool`)],
    ] as const) {
      const result = await swapbench(
        ['run', '--cases', 'tc_01', '--tools', 'control_template', ...args],
        cliEnv(here),
      );
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });
});
