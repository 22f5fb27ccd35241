import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { cliEnv, swapbench, type CliResult } from './support/cli';
import { makeTempData, writeCase } from './support/fixtures';

// The CLI contract of docs/cli.md, through real child processes of `node bin/swapbench.js` (the build must
// have run) with temp data folders.

const data = makeTempData('cli');
const env = cliEnv(data);
let firstGenerate: CliResult;
let secondGenerate: CliResult;

before(async () => {
  firstGenerate = await swapbench(['generate-cases'], env);
  secondGenerate = await swapbench(['generate-cases'], env);
  // A broken case beside the demo ones: listed as invalid, never run.
  await writeCase(data.datasets, 'broken_case', 9, { rawManifest: '{"id": "broken_case",' });
});

after(() => data.cleanup());

/** The message a bad-input exit prints: one line on stderr, no stack trace. */
function assertBadInput(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code 2 for bad input; stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

function parseJson<T>(result: CliResult): T {
  assert.equal(result.code, 0, `exit code; stderr: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

describe('generate-cases', () => {
  test('writes at least three demo cases, and a second run leaves them unchanged', () => {
    assert.equal(firstGenerate.code, 0, firstGenerate.stderr);
    const written = firstGenerate.stdout.split('\n').filter((l) => l.startsWith('wrote '));
    assert.ok(written.length >= 3, `wrote ${written.length} cases`);
    for (const line of written)
      assert.ok(existsSync(join(data.datasets, line.slice('wrote '.length), 'case.json')));

    assert.equal(secondGenerate.code, 0, secondGenerate.stderr);
    assert.doesNotMatch(secondGenerate.stdout, /^wrote /m);
    const unchanged = secondGenerate.stdout.split('\n').filter((l) => l.startsWith('unchanged '));
    assert.equal(unchanged.length, written.length);
  });
});

interface CaseRow {
  id: string;
  title: string;
  slots: unknown[];
  valid: boolean;
  error: string | null;
}

interface ToolRow {
  id: string;
  name: string;
  kind: string;
  available: boolean;
  reason: string | null;
}

interface RunJson {
  run_id: string;
  items: Array<{
    id: number;
    case_id: string;
    tool_id: string;
    status: string;
    image_path: string | null;
    score: number | null;
    error: string | null;
    cached: boolean;
  }>;
}

describe('listings', () => {
  test('cases --json lists every case with id, title, slots, valid and error', async () => {
    const rows = parseJson<CaseRow[]>(await swapbench(['cases', '--json'], env));
    assert.ok(rows.length >= 4);
    for (const row of rows) {
      for (const key of ['id', 'title', 'slots', 'valid', 'error'])
        assert.ok(key in row, `${row.id} has ${key}`);
      assert.ok(Array.isArray(row.slots));
    }
    const demo = rows.filter((r) => r.id.startsWith('demo_'));
    assert.ok(demo.length >= 3);
    for (const row of demo) {
      assert.equal(row.valid, true, `${row.id}: ${row.error}`);
      assert.equal(row.error, null);
      assert.ok(row.slots.length >= 1);
      assert.ok(row.title.length > 0);
    }
    const broken = rows.find((r) => r.id === 'broken_case');
    assert.equal(broken?.valid, false);
    assert.match(broken?.error ?? '', /broken_case[\\/]case\.json: is not valid JSON/);
  });

  test('tools --json lists every tool with id, name, kind, available and reason', async () => {
    const rows = parseJson<ToolRow[]>(await swapbench(['tools', '--json'], env));
    for (const row of rows)
      for (const key of ['id', 'name', 'kind', 'available', 'reason'])
        assert.ok(key in row, `${row.id} has ${key}`);
    for (const id of ['control_template', 'control_paste']) {
      const control = rows.find((r) => r.id === id);
      assert.equal(control?.kind, 'control');
      assert.equal(control?.available, true);
      assert.equal(control?.reason, null);
    }
    const gpt = rows.find((r) => r.id === 'baseline_gpt');
    assert.equal(gpt?.available, false, 'no OPENAI_API_KEY in the child environment');
    assert.match(gpt?.reason ?? '', /OPENAI_API_KEY/);
  });
});

describe('run', () => {
  test('run --cases all --tools control_template,control_paste --json runs every valid case to the end', async () => {
    const result = await swapbench(
      ['run', '--cases', 'all', '--tools', 'control_template,control_paste', '--json'],
      env,
    );
    const json = parseJson<RunJson>(result);
    assert.match(json.run_id, /^r\d{8}-\d{6}-[0-9a-f]{4}$/);
    const cases = readdirSync(data.datasets).filter((d) => d.startsWith('demo_'));
    assert.equal(json.items.length, cases.length * 2);
    assert.ok(!json.items.some((i) => i.case_id === 'broken_case'));
    const paths = new Set<string>();
    for (const item of json.items) {
      for (const key of ['id', 'case_id', 'tool_id', 'status', 'image_path', 'score', 'error'])
        assert.ok(key in item, `item has ${key}`);
      assert.ok(
        ['scored', 'generated'].includes(item.status),
        `${item.case_id} × ${item.tool_id}: ${item.status} ${item.error}`,
      );
      assert.equal(item.error, null);
      assert.ok(item.image_path && existsSync(item.image_path), `${item.image_path} exists`);
      paths.add(item.image_path);
      const meta = await sharp(item.image_path).metadata();
      assert.equal(meta.format, 'png');
      const sidecar = JSON.parse(readFileSync(item.image_path.replace(/\.png$/, '.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      assert.equal(sidecar.run_id, json.run_id);
      assert.equal(sidecar.case_id, item.case_id);
      assert.equal(sidecar.tool_id, item.tool_id);
    }
    assert.equal(paths.size, json.items.length, 'one file per item');
  });

  test('--fail-under gates on the mean score; later runs reuse the output unless --no-cache', async () => {
    const args = ['run', '--cases', 'demo_solo_astronaut', '--tools', 'control_template', '--json'];
    const first = parseJson<RunJson>(await swapbench([...args, '--fail-under', '0'], env)).items[0];
    // Without a score there would be nothing to gate on (and the gate must not pass silently).
    assert.equal(first.status, 'scored', `${first.status}: ${first.error}`);
    const score = first.score!;
    assert.ok(score < 100);

    const failing = await swapbench([...args, '--fail-under', String(Math.floor(score) + 1)], env);
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stderr, /Below --fail-under .*control_template/);
    const cached = (JSON.parse(failing.stdout) as RunJson).items[0];
    assert.equal(cached.cached, true, 'identical inputs reuse the earlier output');
    assert.equal(cached.image_path, first.image_path);
    assert.equal(cached.score, score);

    const fresh = parseJson<RunJson>(await swapbench([...args, '--no-cache'], env)).items[0];
    assert.equal(fresh.cached, false);
    assert.notEqual(fresh.image_path, first.image_path, 'a new file, the earlier one kept');
    assert.ok(existsSync(first.image_path!) && existsSync(fresh.image_path!));
  });
});

describe('bad input exits 2 with a clear message', { concurrency: true }, () => {
  const run = (...args: string[]) => swapbench(['run', ...args], env);

  test('unknown tool, listing the valid ones', async () => {
    assertBadInput(
      await run('--cases', 'all', '--tools', 'control_template,no_such_tool'),
      /Unknown tool "no_such_tool".*Known tools: .*control_paste.*control_template/,
    );
  });

  test('unknown case, listing the valid ones', async () => {
    assertBadInput(
      await run('--cases', 'no_such_case', '--tools', 'control_template'),
      /unknown test case "no_such_case".*Valid cases: .*demo_/,
    );
  });

  test('an invalid case, with why', async () => {
    assertBadInput(
      await run('--cases', 'broken_case', '--tools', 'control_template'),
      /"broken_case" is invalid: .*not valid JSON/,
    );
  });

  test('--concurrency 0', async () => {
    assertBadInput(
      await run('--cases', 'all', '--tools', 'control_template', '--concurrency', '0'),
      /--concurrency must be a whole number from 1 to 64; got "0"/,
    );
  });

  test('--concurrency abc', async () => {
    assertBadInput(
      await run('--cases', 'all', '--tools', 'control_template', '--concurrency', 'abc'),
      /--concurrency must be a whole number from 1 to 64; got "abc"/,
    );
  });

  test('missing --tools', async () => {
    assertBadInput(await run('--cases', 'all'), /--tools/);
  });

  test('--fail-under 101', async () => {
    assertBadInput(
      await run('--cases', 'all', '--tools', 'control_template', '--fail-under', '101'),
      /--fail-under must be a score from 0 to 100; got "101"/,
    );
  });

  test('--resume of an unknown run', async () => {
    assertBadInput(
      await run('--resume', 'r20000101-000000-dead', '--json'),
      /Unknown run "r20000101-000000-dead"/,
    );
  });

  test('an unknown option', async () => {
    const result = await run('--cases', 'all', '--tools', 'control_template', '--no-such-option');
    assert.match(result.stderr, /unknown option '--no-such-option'/);
    assert.equal(result.code, 2);
  });

  test('a runs folder that cannot be written', async () => {
    // Tests run as root, for whom chmod does not block writes: put the runs folder under a regular file.
    const blocker = join(data.root, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const result = await swapbench(
      ['run', '--cases', 'all', '--tools', 'control_template'],
      cliEnv({ datasets: data.datasets, runs: join(blocker, 'runs') }),
    );
    assertBadInput(result, /Cannot create the runs folder .*not-a-folder/);
    // At once, not after TypeORM's retries (9, 3 s apart): no retry was even tried. Told by what it
    // printed, not by a clock, so a loaded machine (test files run side by side) cannot fail it.
    assert.doesNotMatch(result.stderr, /Retrying/);
  });
});
