import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SCORER_VERSION } from '../libs/evaluator/score.calibration';
import { cliEnv, swapbench, type CliResult } from './support/cli';
import { filesUnder, makeTempData, writeCase } from './support/fixtures';
import { queryDatabase } from './support/database-probe';

// The real CLI with the real face scorer: a case without a face is refused before the tool (a plugin
// that logs every call) is called; `rescore` scores stored outputs again without touching a file.

const data = makeTempData('rescore-cli');
const log = join(data.root, 'calls.log');
const config = join(data.root, 'swapbench.config.json');
const env = cliEnv(data, { SWAPBENCH_CONFIG: config });
let demoCase: string;

before(async () => {
  writeFileSync(
    config,
    JSON.stringify({
      plugins: [{ module: join(__dirname, 'support', 'slow-log.plugin.js'), options: { log, delay_ms: 1 } }],
    }),
  );
  const generated = await swapbench(['generate-cases'], env);
  assert.equal(generated.code, 0, generated.stderr);
  demoCase = generated.stdout
    .split('\n')
    .filter((l) => l.startsWith('wrote '))
    .map((l) => l.slice('wrote '.length))
    .sort()[0];
  // A flat image: no face where its slot is, so the scorer cannot score the case.
  await writeCase(data.datasets, 'faceless', 3);
});

after(() => data.cleanup());

function calls(): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

function assertBadInput(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code 2; stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

interface RescoreJson {
  runs: Array<{
    run_id: string;
    rescored: number;
    unchanged: number;
    failed: number;
    items: Array<{
      id: number;
      case_id: string;
      old_score: number | null;
      score: number | null;
      scorer_version: string;
    }>;
  }>;
}

describe('run with a case the scorer cannot score', { timeout: 180_000 }, () => {
  let runId: string;
  let scoreOfRun: number | null;

  test('is refused with exit 2 naming the case and slot, before any tool call, and stores nothing', async () => {
    const result = await swapbench(
      ['run', '--cases', `faceless,${demoCase}`, '--tools', 'test_slow_log', '--json'],
      env,
      120_000,
    );
    assertBadInput(result, /case "faceless": .*slot p1/);
    assert.match(result.stderr, /--skip-unscorable/);
    assert.equal(result.stdout, '');
    assert.deepEqual(calls(), [], 'the tool was never called');
    const runs = await queryDatabase(data, 'SELECT id FROM runs');
    assert.deepEqual(runs, []);
  });

  test('with --skip-unscorable runs the other case and lists the skipped one', async () => {
    const result = await swapbench(
      ['run', '--cases', `faceless,${demoCase}`, '--tools', 'test_slow_log', '--skip-unscorable', '--json'],
      env,
      120_000,
    );
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as {
      run_id: string;
      skipped: Array<{ case_id: string; reason: string }>;
      items: Array<{ case_id: string; status: string; score: number | null; scorer_version: string | null }>;
    };
    runId = json.run_id;
    scoreOfRun = json.items[0].score;
    assert.equal(json.skipped.length, 1);
    assert.equal(json.skipped[0].case_id, 'faceless');
    assert.match(json.skipped[0].reason, /slot p1/);
    assert.deepEqual(
      json.items.map((i) => i.case_id),
      [demoCase],
    );
    assert.equal(json.items[0].status, 'scored');
    assert.equal(json.items[0].scorer_version, SCORER_VERSION);
    assert.deepEqual(calls(), [`start ${demoCase}`, `done ${demoCase}`]);

    const human = await swapbench(
      ['run', '--cases', `faceless,${demoCase}`, '--tools', 'test_slow_log', '--skip-unscorable'],
      env,
      120_000,
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Skipped 1 case the scorer cannot score:\n {2}faceless: .*slot p1/);
  });

  test('rescore scores the stored output again, touching no file; a second rescore has nothing to do', async () => {
    assert.ok(runId, 'the run of the previous test');
    // As a database from before scorer versions would have it.
    await queryDatabase(
      data,
      `UPDATE run_items SET scorer_version = NULL, score = 99.5 WHERE run_id = '${runId}'`,
    );
    const hashes = () =>
      new Map(
        filesUnder(data.runs)
          .filter((f) => !f.startsWith('swapbench.db'))
          .map((f) => [
            f,
            createHash('sha256')
              .update(readFileSync(join(data.runs, f)))
              .digest('hex'),
          ]),
      );
    const before = hashes();
    const callsBefore = calls().length;

    const first = await swapbench(['rescore', runId, '--json'], env, 120_000);
    assert.equal(first.code, 0, first.stderr);
    const json = JSON.parse(first.stdout) as RescoreJson;
    assert.equal(json.runs.length, 1);
    assert.equal(json.runs[0].run_id, runId);
    assert.equal(json.runs[0].rescored, 1);
    assert.equal(json.runs[0].items[0].old_score, 99.5);
    assert.equal(typeof scoreOfRun, 'number');
    assert.equal(json.runs[0].items[0].score, scoreOfRun, 'the same scorer gives the same score again');
    assert.equal(json.runs[0].items[0].scorer_version, SCORER_VERSION);
    const [row] = await queryDatabase<{ scorer_version: string; score: number }>(
      data,
      `SELECT scorer_version, score FROM run_items WHERE run_id = '${runId}'`,
    );
    assert.equal(row.scorer_version, SCORER_VERSION);
    assert.equal(row.score, json.runs[0].items[0].score);
    assert.deepEqual(hashes(), before, 'images and sidecars are byte-identical');
    assert.equal(calls().length, callsBefore, 'no tool was called');

    const second = await swapbench(['rescore', '--all', '--json'], env, 120_000);
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as RescoreJson;
    assert.ok(again.runs.every((r) => r.rescored === 0 && r.items.length === 0));

    const table = await swapbench(['rescore', runId], env, 120_000);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      new RegExp(`Run ${runId}: 0 rescored with scorer ${SCORER_VERSION.replace(/\./g, '\\.')}, 1 unchanged`),
    );
  });

  test('rescore refuses a running run, an unknown run and bad arguments with exit 2', async () => {
    await queryDatabase(data, `UPDATE runs SET status = 'running' WHERE id = '${runId}'`);
    assertBadInput(await swapbench(['rescore', runId], env), new RegExp(`Run ${runId} is running`));
    await queryDatabase(data, `UPDATE runs SET status = 'finished' WHERE id = '${runId}'`);
    assertBadInput(await swapbench(['rescore', 'r_nope'], env), /Unknown run "r_nope".*swapbench runs/);
    assertBadInput(await swapbench(['rescore'], env), /a run id .* or --all/);
    assertBadInput(await swapbench(['rescore', runId, '--all'], env), /not both/);
    const listed = await swapbench(['runs', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok((JSON.parse(listed.stdout) as Array<{ id: string }>).some((r) => r.id === runId));
  });
});
