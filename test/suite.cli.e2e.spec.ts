import { parse } from 'csv-parse/sync';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXPORT_COLUMNS } from '../libs/results/run-export';
import { cliEnv, swapbench, type CliResult } from './support/cli';
import { makeTempData, writeFaceCase } from './support/fixtures';
import { queryDatabase } from './support/database-probe';

// Benchmark as code (docs/suites.md) through the real CLI: a suite file with two variants of one plugin tool
// (it logs the options it receives), samples and tags; runs listed, exported, compared and deleted; the
// cache missing when a command tool's script changes; bad suites refused naming file, line and field.

const data = makeTempData('suite-cli');
const log = join(data.root, 'calls.log');
const config = join(data.root, 'swapbench.config.json');
const script = join(data.root, 'copy-template.js');
const flaky = join(data.root, 'flaky.js');
const flag = join(data.root, 'fail-now');
const env = cliEnv(data, { SWAPBENCH_CONFIG: config });

interface RunJson {
  run_id: string;
  from_cache: number;
  items: Array<{
    id: number;
    case_id: string;
    tool_id: string;
    variant: string;
    sample: number;
    status: string;
    cached: boolean;
  }>;
  tools: Array<{ variant: string; tool_id: string; mean_score: number | null }>;
}

function json<T>(result: CliResult): T {
  assert.equal(result.code, 0, `exit code; stderr: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

function suite(name: string, text: string): string {
  const file = join(data.root, name);
  writeFileSync(file, text);
  return file;
}

before(async () => {
  writeFileSync(script, "require('fs').copyFileSync(process.argv[2], process.argv[3]);\n");
  // Fails while the flag file exists, then copies the template like the other command.
  writeFileSync(
    flaky,
    `const fs = require('fs'); if (fs.existsSync(${JSON.stringify(flag)})) process.exit(3); fs.copyFileSync(process.argv[2], process.argv[3]);\n`,
  );
  writeFileSync(
    config,
    JSON.stringify({
      plugins: [{ module: join(__dirname, 'support', 'option-recorder.plugin.js'), options: { log } }],
      command: [
        { id: 'copy_cmd', name: 'Copy', command: [process.execPath, script, '{template}', '{output}'] },
        { id: 'flaky_cmd', name: 'Flaky', command: [process.execPath, flaky, '{template}', '{output}'] },
      ],
    }),
  );
  await writeFaceCase(data.datasets, 'portrait_a', { tags: ['portrait'] });
  await writeFaceCase(data.datasets, 'portrait_b', { tags: ['portrait'] });
  await writeFaceCase(data.datasets, 'other_c', { tags: ['other'] });
});

after(() => data.cleanup());

describe('run --suite', () => {
  let first: RunJson;

  test('runs every case of the tag × each variant × each sample, with the options reaching the tool', async () => {
    const file = suite(
      'two-variants.yaml',
      [
        'name: recorder-variants',
        'cases: ["tag:portrait"]',
        'tools:',
        '  - test_recorder',
        '  - id: test_recorder',
        '    label: recorder-strong',
        '    options: { strength: 7, style: vivid }',
        'samples: 2',
        'fail_under: { recorder-strong: 0 }',
      ].join('\n'),
    );
    first = json<RunJson>(await swapbench(['run', '--suite', file, '--json'], env, 120_000));
    const keys = first.items.map((i) => `${i.case_id}/${i.variant}/${i.sample}`).sort();
    assert.deepEqual(keys, [
      'portrait_a/recorder-strong/0',
      'portrait_a/recorder-strong/1',
      'portrait_a/test_recorder/0',
      'portrait_a/test_recorder/1',
      'portrait_b/recorder-strong/0',
      'portrait_b/recorder-strong/1',
      'portrait_b/test_recorder/0',
      'portrait_b/test_recorder/1',
    ]);
    assert.ok(first.items.every((i) => i.tool_id === 'test_recorder' && i.status === 'scored'));
    assert.deepEqual(
      first.tools.map((t) => t.variant),
      ['test_recorder', 'recorder-strong'],
    );

    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { case_id: string; sample: number; options: Record<string, unknown> });
    assert.equal(calls.length, 8, 'one call per item: samples are not served from the cache');
    for (const call of calls) {
      const strong = call.options.strength === 7;
      assert.deepEqual(
        call.options,
        strong
          ? { seed: call.sample, strength: 7, style: 'vivid' }
          : { seed: call.sample, strength: 1, style: 'plain' },
      );
    }
    assert.deepEqual([...new Set(calls.map((c) => c.sample))].sort(), [0, 1]);
  });

  test('--tool-option and --samples on the command line, and the suite stored with the run', async () => {
    const run = json<RunJson>(
      await swapbench(
        [
          'run',
          '--cases',
          'portrait_a',
          '--tools',
          'test_recorder',
          '--tool-option',
          'test_recorder.strength=3',
          '--tool-option',
          'test_recorder.style=vivid',
          '--samples',
          '3',
          '--json',
        ],
        env,
        120_000,
      ),
    );
    assert.deepEqual(
      run.items.map((i) => i.sample),
      [0, 1, 2],
    );
    const last = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .slice(-3)
      .map((l) => JSON.parse(l) as { options: { seed: number } })
      .sort((x, y) => x.options.seed - y.options.seed);
    assert.deepEqual(
      last.map((c) => c.options),
      [0, 1, 2].map((seed) => ({ seed, strength: 3, style: 'vivid' })),
    );

    const runs = json<
      Array<{ id: string; suite_path: string | null; suite_hash: string | null; samples: number }>
    >(await swapbench(['runs', '--json'], env));
    const stored = runs.find((r) => r.id === first.run_id)!;
    assert.match(stored.suite_path ?? '', /two-variants\.yaml$/);
    assert.match(stored.suite_hash ?? '', /^[0-9a-f]{64}$/);
    assert.equal(stored.samples, 2);
    assert.equal(runs.find((r) => r.id === run.run_id)!.suite_path, null);
  });

  test('export gives one CSV row per item with the docs/cli.md §9 columns, and JSON with the breakdown nested', async () => {
    const csv = await swapbench(['export', first.run_id, '--format', 'csv'], env);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = parse<Record<string, string>>(csv.stdout, { columns: true });
    assert.equal(rows.length, first.items.length);
    const header = Object.keys(rows[0]);
    assert.deepEqual(header.slice(0, EXPORT_COLUMNS.length), [...EXPORT_COLUMNS]);
    assert.ok(
      header.slice(EXPORT_COLUMNS.length).every((h) => h.startsWith('breakdown.')) && header.length > 14,
    );
    assert.deepEqual(rows.map((r) => Number(r.item_id)).sort(), first.items.map((i) => i.id).sort());
    assert.ok(
      rows.every((r) => r.run_id === first.run_id && r.status === 'scored' && existsSync(r.image_path)),
    );

    const out = join(data.root, 'export.json');
    assert.equal((await swapbench(['export', first.run_id, '--format', 'json', '--out', out], env)).code, 0);
    const items = JSON.parse(readFileSync(out, 'utf8')) as Array<Record<string, unknown>>;
    assert.equal(items.length, first.items.length);
    assert.equal(typeof items[0].breakdown, 'object');
    assert.equal(items[0].variant !== undefined && items[0].sample !== undefined, true);

    const bad = await swapbench(['export', first.run_id, '--format', 'xml'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be csv, json or junit; got "xml"/);
  });

  test('a second run is served from the cache and compares as no difference', async () => {
    const file = join(data.root, 'two-variants.yaml');
    const second = json<RunJson>(await swapbench(['run', '--suite', file, '--json'], env, 120_000));
    assert.equal(second.from_cache, 8);
    const comparison = json<{
      a: string;
      b: string;
      variants: Array<{ variant: string; n_cases: number; delta: number; ci_low: number; ci_high: number }>;
    }>(await swapbench(['compare', first.run_id, second.run_id, '--json'], env));
    assert.equal(comparison.a, first.run_id);
    assert.deepEqual(
      comparison.variants.map((v) => [v.variant, v.n_cases, v.delta]),
      [
        ['test_recorder', 2, 0],
        ['recorder-strong', 2, 0],
      ],
    );
    for (const v of comparison.variants) assert.ok(v.ci_low <= 0 && v.ci_high >= 0);

    const text = await swapbench(['compare', first.run_id, second.run_id], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /recorder-strong/);
    assert.ok(!text.stdout.includes('\u001b['), 'no colour codes in a pipe');

    const report = join(data.root, 'report.html');
    const written = await swapbench(
      ['report', second.run_id, '--baseline', first.run_id, '--out', report],
      env,
    );
    assert.equal(written.code, 0, written.stderr);
    const html = readFileSync(report, 'utf8');
    assert.match(html, new RegExp(`Compared with ${first.run_id}`));
    assert.match(html, /<td>recorder-strong<\/td><td>2<\/td>/);
  });

  test('runs delete removes the run, and report names `swapbench runs` for an unknown id', async () => {
    const deleted = await swapbench(['runs', 'delete', first.run_id], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /deleted run .*: 8 items/);
    const runs = json<Array<{ id: string }>>(await swapbench(['runs', '--json'], env));
    assert.ok(!runs.some((r) => r.id === first.run_id));

    const report = await swapbench(['report', first.run_id], env);
    assert.equal(report.code, 2);
    assert.match(report.stderr, /Unknown run .*swapbench runs/);
  });
});

describe('the cache and a command tool', () => {
  test('misses when the script the command runs is edited, and is forgotten by `cache clear`', async () => {
    const args = ['run', '--cases', 'other_c', '--tools', 'copy_cmd', '--json'];
    const first = json<RunJson>(await swapbench(args, env, 120_000));
    assert.equal(first.items[0].cached, false);
    // The same inputs hit the cache (shown in the suite test); an edited script must not.
    writeFileSync(script, "// edited\nrequire('fs').copyFileSync(process.argv[2], process.argv[3]);\n");
    const edited = json<RunJson>(await swapbench(args, env, 120_000));
    assert.equal(edited.items[0].cached, false);
    assert.equal(edited.from_cache, 0);

    const cleared = await swapbench(['cache', 'clear'], env);
    assert.equal(cleared.code, 0, cleared.stderr);
    const keys = await queryDatabase<{ cache_key: string }>(data, 'SELECT cache_key FROM run_items');
    assert.ok(keys.length > 0 && keys.every((k) => k.cache_key.startsWith('cleared:')));
  });
});

describe('run --resume --retry-failed', () => {
  test('runs again the items that ended failed, and only those', async () => {
    writeFileSync(flag, '');
    const failed = await swapbench(
      ['run', '--cases', 'portrait_a,other_c', '--tools', 'flaky_cmd,test_recorder', '--no-cache', '--json'],
      env,
      120_000,
    );
    const first = JSON.parse(failed.stdout) as RunJson;
    const statuses = (run: RunJson) => run.items.map((i) => `${i.case_id}/${i.tool_id}:${i.status}`).sort();
    assert.deepEqual(statuses(first), [
      'other_c/flaky_cmd:failed',
      'other_c/test_recorder:scored',
      'portrait_a/flaky_cmd:failed',
      'portrait_a/test_recorder:scored',
    ]);
    rmSync(flag);
    const callsBefore = readFileSync(log, 'utf8').trim().split('\n').length;
    const retried = json<RunJson>(
      await swapbench(['run', '--resume', first.run_id, '--retry-failed', '--json'], env, 120_000),
    );
    assert.equal(retried.run_id, first.run_id);
    assert.ok(
      retried.items.every((i) => i.status === 'scored'),
      statuses(retried).join(' '),
    );
    assert.deepEqual(
      retried.items.map((i) => i.id).sort(),
      first.items.map((i) => i.id).sort(),
      'the same items, none added',
    );
    assert.equal(
      readFileSync(log, 'utf8').trim().split('\n').length,
      callsBefore,
      'scored items not run again',
    );
  });
});

describe('bad suites', () => {
  test('exit 2 naming the file, the line and the field', async () => {
    const file = suite(
      'bad.yaml',
      [
        'cases: all',
        'tools:',
        '  - id: test_recorder',
        '    options: { strength: "x" }',
        'samples: 2',
        'concurency: 3',
      ].join('\n'),
    );
    const result = await swapbench(['run', '--suite', file], env);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /bad\.yaml:6: .*concurency/);
    assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');

    const badOption = suite(
      'bad-option.yaml',
      [
        'cases: all',
        'tools:',
        '  - id: test_recorder',
        '    label: r2',
        '    options: { strength: 70 }',
      ].join('\n'),
    );
    const refused = await swapbench(['run', '--suite', badOption], env);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /Variant "r2": Option "strength" of tool "test_recorder" must be at most 10/,
    );

    const twice = suite('twice.yaml', ['cases: all', 'tools: [test_recorder, test_recorder]'].join('\n'));
    const dup = await swapbench(['run', '--suite', twice], env);
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /label "test_recorder" is used twice/);
  });
});

describe('--help', () => {
  test('ends with an example and the environment variables, for the program and a command', async () => {
    for (const args of [['--help'], ['compare', '--help']]) {
      const help = await swapbench(args, env);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /Examples?:\n {2}swapbench /);
      assert.match(help.stdout, /Environment:\n {2}SWAPBENCH_DATASETS .*\n {2}SWAPBENCH_RUNS /);
      assert.match(help.stdout, /NO_COLOR/);
    }
    const version = await swapbench(['--version'], env);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });
});
