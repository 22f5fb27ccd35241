import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../core/user-error';
import { loadSuite } from './suite.loader';

const dir = mkdtempSync(join(tmpdir(), 'swapbench-suite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function problem(name: string, text: string): Promise<string> {
  const error = await loadSuite(write(name, text)).then(
    () => assert.fail('the suite should be refused'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UserError, String(error));
  return error.message;
}

describe('suite files', () => {
  it('turn into a run request with variants, samples and the run options', async () => {
    const loaded = await loadSuite(
      write(
        'good.yaml',
        [
          'name: portraits-v1',
          'cases: [demo_duo, "tag:one-person"]',
          'tools:',
          '  - control_paste',
          '  - id: baseline_gpt',
          '    label: gpt-low',
          '    options: { input_fidelity: low }',
          'samples: 3',
          'concurrency: 2',
          'attempts: 4',
          'timeout_s: 30',
          'fail_under: { gpt-low: 55 }',
        ].join('\n'),
      ),
    );
    assert.deepEqual(loaded.request, {
      case_ids: ['demo_duo', 'tag:one-person'],
      variants: [
        { tool_id: 'control_paste' },
        { tool_id: 'baseline_gpt', label: 'gpt-low', options: { input_fidelity: 'low' } },
      ],
      options: { samples: 3, concurrency: 2, max_attempts: 4, timeout_ms: 30_000 },
    });
    assert.deepEqual(loaded.failUnder, { 'gpt-low': 55 });
    assert.match(loaded.hash, /^[0-9a-f]{64}$/);
  });

  it('read JSON too', async () => {
    const loaded = await loadSuite(
      write('good.json', '{"cases": "all", "tools": ["control_paste"], "fail_under": 60}'),
    );
    assert.equal(loaded.request.case_ids, 'all');
    assert.equal(loaded.failUnder, 60);
  });

  it('name the file, the line and the field of each problem', async () => {
    const wrongType = await problem(
      'wrong-type.yaml',
      [
        'cases: all',
        'tools:',
        '  - control_paste',
        '  - id: baseline_gpt',
        '    options: low',
        'samples: 2',
      ].join('\n'),
    );
    assert.match(wrongType, /wrong-type\.yaml:5: tools\[1\]/);

    const unknownKey = await problem(
      'typo.yaml',
      ['cases: all', 'tools: [control_paste]', 'sample: 3'].join('\n'),
    );
    assert.match(unknownKey, /typo\.yaml:3: .*sample/);

    const badSamples = await problem('samples.yaml', 'cases: all\ntools: [control_paste]\nsamples: 0\n');
    assert.match(badSamples, /samples\.yaml:3: samples: /);

    const missing = await problem('missing.yaml', 'cases: all\n');
    assert.match(missing, /missing\.yaml:1: tools: /);

    const badLabel = await problem(
      'label.json',
      '{\n  "cases": "all",\n  "tools": [\n    {"id": "control_paste", "label": "Has Spaces"}\n  ]\n}\n',
    );
    assert.match(badLabel, /label\.json:4: tools\[0\]\.label: must be a slug/);

    const syntax = await problem('syntax.yaml', 'cases: [demo_duo\ntools: [x]\n');
    assert.match(syntax, /syntax\.yaml:\d+:\d+: /);

    const absent = await loadSuite(join(dir, 'absent.yaml')).then(
      () => 'loaded',
      (e: Error) => e.message,
    );
    assert.match(absent, /absent\.yaml: ENOENT/);
  });
});
