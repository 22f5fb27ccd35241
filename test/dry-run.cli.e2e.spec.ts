import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeGeminiServer } from './fake-gemini/fake-gemini.server';
import { FakeOpenAIServer } from './fake-openai/fake-openai.server';
import { cliEnv, swapbench, type CliResult } from './support/cli';
import { makeTempData, writeCases } from './support/fixtures';

// `run --dry-run` (docs/cli.md §7.6) prices a suite of hosted tools against fake services that must receive
// nothing, and stores nothing; bad prices in the config file are refused with exit 2 naming the field.

const data = makeTempData('dry-run');
let openai: FakeOpenAIServer;
let gemini: FakeGeminiServer;
let env: NodeJS.ProcessEnv;
const suite = join(data.root, 'paid.yaml');

before(async () => {
  await writeCases(data.datasets, 3, 'dr');
  openai = await FakeOpenAIServer.start();
  gemini = await new FakeGeminiServer('AIza-dry-run').listen();
  env = cliEnv(data, {
    OPENAI_API_KEY: 'sk-dry-run',
    OPENAI_BASE_URL: openai.baseURL,
    GEMINI_API_KEY: 'AIza-dry-run',
    GEMINI_BASE_URL: gemini.baseURL,
  });
  writeFileSync(
    suite,
    [
      'name: paid',
      'cases: all',
      'samples: 2',
      'tools:',
      '  - id: baseline_gpt',
      '    label: gpt-low',
      '    options: { quality: low, size: 1024x1024 }',
      '  - gemini_image',
      '  - control_template',
      '',
    ].join('\n'),
  );
});

after(async () => {
  await openai.close();
  await gemini.close();
  data.cleanup();
});

interface Estimate {
  variants: Array<{ variant: string; items: number; calls: number; est_cost_usd: number | null }>;
  total_est_cost_usd: number;
}

function estimateOf(result: CliResult): Estimate {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Estimate;
}

describe('run --dry-run', () => {
  test('prices every variant of a suite from the price tables, calls no service and stores no run', async () => {
    const estimate = estimateOf(await swapbench(['run', '--suite', suite, '--dry-run', '--json'], env));
    assert.deepEqual(
      estimate.variants.map((v) => [v.variant, v.items, v.calls, v.est_cost_usd]),
      [
        ['gpt-low', 6, 6, 0.066],
        ['gemini_image', 6, 6, 0.234],
        ['control_template', 6, 6, 0],
      ],
    );
    assert.equal(estimate.total_est_cost_usd, 0.3);
    assert.deepEqual(openai.requests, [], 'the fake OpenAI server heard nothing');
    assert.deepEqual(gemini.requests, [], 'the fake Gemini server heard nothing');
    const runs = await swapbench(['runs', '--json'], env);
    assert.equal(runs.code, 0, runs.stderr);
    assert.deepEqual(JSON.parse(runs.stdout), [], 'no run was stored');
    const table = await swapbench(['run', '--suite', suite, '--dry-run'], env);
    assert.match(table.stdout, /Dry run: nothing was called or stored/);
    assert.match(table.stdout, /Total estimated cost: \$0\.3000/);
  });

  test('a price in the config file replaces the table', async () => {
    const config = join(data.root, 'prices.json');
    writeFileSync(config, JSON.stringify({ prices: { gemini_image: 0.5 } }));
    const args = ['run', '--suite', suite, '--dry-run', '--json'];
    const estimate = estimateOf(await swapbench(args, { ...env, SWAPBENCH_CONFIG: config }));
    assert.equal(estimate.variants.find((v) => v.variant === 'gemini_image')?.est_cost_usd, 3);
  });

  test('an unknown price key or a negative price is refused with exit 2, naming the field', async () => {
    const args = ['run', '--suite', suite, '--dry-run'];
    for (const [prices, pattern] of [
      [{ gemini_imagee: 0.5 }, /prices\.gemini_imagee: no tool has the id "gemini_imagee"/],
      [{ gemini_image: -1 }, /prices\.gemini_image.*must be a price in US dollars, 0 or more/],
      [{ gemini_image: 'cheap' }, /prices\.gemini_image/],
    ] as const) {
      const config = join(data.root, 'bad-prices.json');
      writeFileSync(config, JSON.stringify({ prices }));
      const result = await swapbench(args, { ...env, SWAPBENCH_CONFIG: config });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, pattern);
    }
  });
});
