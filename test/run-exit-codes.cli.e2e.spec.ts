import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIServer } from './fake-openai/fake-openai.server';
import { cliEnv, finished, startSwapbench, swapbench } from './support/cli';
import { makeTempData, writeFaceCases } from './support/fixtures';

// The exit codes of `swapbench run` (docs/cli.md §7.5), each reached by a real run of the CLI.

const data = makeTempData('exit-codes');
const env = cliEnv(data);
let fake: FakeOpenAIServer;
let cases: string[];

before(async () => {
  cases = await writeFaceCases(data.datasets, 2, 'ex');
  fake = await FakeOpenAIServer.start();
});

after(async () => {
  await fake.close();
  data.cleanup();
});

interface RunJson {
  run_id: string;
  status: string;
  items: Array<{ case_id: string; status: string; error: string | null; error_code: string | null }>;
  tools: Array<{
    refusal_rate: number | null;
    success_rate: number | null;
    mean_score: number | null;
    mean_scored: number | null;
  }>;
}

describe('swapbench run exits', () => {
  test('0 when the run finished with scores and no gate failed', async () => {
    const result = await swapbench(['run', '--cases', cases[0], '--tools', 'control_template'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Run r[\w-]+ finished: 1 scored/);
  });

  test('1 when a variant is below --fail-under', async () => {
    const args = ['run', '--cases', cases[0], '--tools', 'control_template', '--fail-under', '100'];
    const result = await swapbench(args, env);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /Below --fail-under 100: control_template \(\d/);
  });

  test('2 on bad input, with nothing run', async () => {
    const result = await swapbench(
      ['run', '--cases', cases[0], '--tools', 'control_template', '--samples', '0'],
      env,
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--samples must be a whole number/);
  });

  test('3 when no item is scored: every call refused by the service', async () => {
    fake.failNext('safety_400', 2);
    const withKey = cliEnv(data, { OPENAI_API_KEY: 'sk-test-exit', OPENAI_BASE_URL: fake.baseURL });
    const args = ['run', '--cases', cases.join(','), '--tools', 'baseline_gpt', '--no-cache', '--json'];
    const result = await swapbench([...args, '--fail-under', '10'], withKey);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /No item of run r[\w-]+ was scored \(2 failed, 0 canceled\)/);
    const json = JSON.parse(result.stdout) as RunJson;
    assert.equal(json.status, 'finished');
    // Refused by the content policy: stored as `refused`, and counted in the refusal rate.
    assert.deepEqual(
      json.items.map((i) => [i.status, i.error_code]),
      [
        ['failed', 'refused'],
        ['failed', 'refused'],
      ],
    );
    const [variant] = json.tools;
    assert.equal(variant.refusal_rate, 1);
    assert.equal(variant.success_rate, 0);
    assert.equal(variant.mean_score, 0, 'a refused item counts as 0 in the headline mean');
    assert.equal(variant.mean_scored, null);
    const table = await swapbench(['export', json.run_id, '--format', 'junit'], withKey);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /<testsuite name="baseline_gpt" tests="2" failures="2"/);
    assert.match(table.stdout, /<failure type="refused" message="[^"]*safety system/);
  });

  test('130 when interrupted with Ctrl-C, and the resume then finishes the run with 0', async () => {
    const log = join(data.root, 'calls.log');
    const config = (delayMs: number) => {
      const path = join(data.root, `slow-${delayMs}.json`);
      const plugin = join(__dirname, 'support', 'slow-log.plugin.js');
      writeFileSync(
        path,
        JSON.stringify({ plugins: [{ module: plugin, options: { log, delay_ms: delayMs } }] }),
      );
      return cliEnv(data, { SWAPBENCH_CONFIG: path });
    };
    const child = startSwapbench(['run', '--cases', 'all', '--tools', 'test_slow_log'], config(30_000));
    const done = finished(child, 60_000);
    const deadline = Date.now() + 30_000;
    while (!(existsSync(log) && readFileSync(log, 'utf8').includes('start '))) {
      assert.ok(Date.now() < deadline, 'the tool was called');
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGINT');
    const interrupted = await done;
    assert.equal(interrupted.code, 130, interrupted.stderr);
    const runId = /resume with: swapbench run --resume (r[\w-]+)/.exec(interrupted.stderr)?.[1];
    assert.ok(runId, interrupted.stderr);
    assert.match(interrupted.stdout, new RegExp(`Run ${runId} interrupted`));

    const resumed = await swapbench(['run', '--resume', runId, '--json'], config(10));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal((JSON.parse(resumed.stdout) as RunJson).status, 'finished');
  });
});
