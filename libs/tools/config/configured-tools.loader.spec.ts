import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { parseSettings, SwapbenchSettings } from '../../core/config/swapbench-settings';
import { ControlTemplateTool } from '../builtin/control-template.tool';
import { BaselineDalle3Tool } from '../openai/baseline-dalle3.tool';
import { BaselineGptTool } from '../openai/baseline-gpt.tool';
import { ToolPrices } from '../tool-prices';
import { ToolRegistry } from '../tools.registry';
import { ConfiguredToolsLoader } from './configured-tools.loader';

/** The ten-line plugin of docs/tools.md, as a user would write it (CommonJS, a factory). */
const CJS_PLUGIN = `
const sharp = require(${JSON.stringify(require.resolve('sharp'))});
module.exports = ({ options }) => ({
  id: 'grey_template', name: 'Grey template', description: 'Returns the template in grey.',
  kind: 'control', concurrency: 2, timeoutMs: 10000, options: {},
  availability: async () => ({ available: options.enabled !== false }),
  generate: async (input) => ({ ok: true, image: await sharp(input.template).greyscale().png().toBuffer(), meta: { model: 'none' } }),
});
`;

/** An ES module plugin exporting several tools at once. */
const ESM_PLUGIN = `
const tool = (id) => ({ id, name: id, description: 'x', kind: 'local', concurrency: 1, timeoutMs: 1000, options: {},
  availability: async () => ({ available: true }), generate: async () => ({ ok: false, failure: { retryable: false, code: 'x', message: 'x' } }) });
export default [tool('esm_one'), tool('esm_two')];
`;

const DOTENV_KEY = 'sk-from-dotenv-LOADERSPEC-123456';

describe('ConfiguredToolsLoader in a Nest module', () => {
  let dir: string;
  const savedEnv = { ...process.env };
  const savedCwd = process.cwd();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swapbench-loader-'));
    process.chdir(dir);
    delete process.env.OPENAI_API_KEY;
  });
  afterEach(async () => {
    process.chdir(savedCwd);
    process.env = { ...savedEnv };
    await rm(dir, { recursive: true, force: true });
  });

  async function boot(): Promise<ToolRegistry> {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      providers: [
        ToolRegistry,
        ToolPrices,
        ControlTemplateTool,
        BaselineGptTool,
        BaselineDalle3Tool,
        ConfiguredToolsLoader,
        { provide: SwapbenchSettings, useValue: parseSettings({}, dir) },
      ],
    }).compile();
    await moduleRef.init();
    return moduleRef.get(ToolRegistry);
  }

  it('registers openai_compatible, command and plugin tools beside the built-in ones', async () => {
    await writeFile(join(dir, 'grey-plugin.js'), CJS_PLUGIN);
    await writeFile(join(dir, 'esm-plugin.mjs'), ESM_PLUGIN);
    await writeFile(
      join(dir, 'swapbench.config.json'),
      JSON.stringify({
        openai_compatible: [
          {
            id: 'vllm_a',
            name: 'vLLM A',
            base_url: 'http://127.0.0.1:9/v1',
            model: 'qwen-image-edit',
            api_key_env: 'VLLM_A_KEY',
          },
          { id: 'sglang_b', name: 'SGLang B', base_url: 'http://127.0.0.1:9/v1', model: 'flux' },
        ],
        command: [{ id: 'local_cmd', name: 'Local command', command: ['true', '{template}'] }],
        plugins: [{ module: './grey-plugin.js', options: { enabled: false } }, './esm-plugin.mjs'],
      }),
    );
    const registry = await boot();
    assert.deepEqual([...registry.ids()].sort(), [
      'baseline_dalle3',
      'baseline_gpt',
      'control_template',
      'esm_one',
      'esm_two',
      'grey_template',
      'local_cmd',
      'sglang_b',
      'vllm_a',
    ]);
    const summaries = await registry.summaries();
    const vllm = summaries.find((s) => s.id === 'vllm_a');
    assert.deepEqual(
      [vllm?.available, vllm?.reason],
      [false, 'VLLM_A_KEY is not set (in the environment or a .env file)'],
    );
    assert.equal(summaries.find((s) => s.id === 'sglang_b')?.available, true);
    const grey = summaries.find((s) => s.id === 'grey_template');
    assert.deepEqual(
      [grey?.kind, grey?.available],
      ['control', false],
      'the plugin factory received its options',
    );
    assert.equal(summaries.find((s) => s.id === 'local_cmd')?.timeout_ms, 120_000);
  });

  it('reads the key from .env; tool summaries say whether a key is set but never carry it', async () => {
    let registry = await boot();
    let gpt = (await registry.summaries()).find((s) => s.id === 'baseline_gpt');
    assert.deepEqual(
      [gpt?.available, gpt?.reason],
      [false, 'OPENAI_API_KEY is not set (in the environment or a .env file)'],
    );

    await writeFile(
      join(dir, '.env'),
      `OPENAI_API_KEY=${DOTENV_KEY}\nOPENAI_BASE_URL=http://127.0.0.1:9/v1\n`,
    );
    registry = await boot();
    const summaries = await registry.summaries();
    gpt = summaries.find((s) => s.id === 'baseline_gpt');
    assert.deepEqual([gpt?.available, gpt?.reason], [true, null]);
    assert.ok(!JSON.stringify(summaries).includes(DOTENV_KEY));
  });

  it('refuses a configured tool that takes a built-in id, naming the id', async () => {
    await writeFile(
      join(dir, 'swapbench.config.json'),
      JSON.stringify({ command: [{ id: 'baseline_gpt', name: 'x', command: ['true'] }] }),
    );
    await assert.rejects(boot(), /Two tools share the id "baseline_gpt"/);
  });

  it('names a plugin that cannot be found or does not export a tool', async () => {
    await writeFile(join(dir, 'swapbench.config.json'), JSON.stringify({ plugins: ['./missing.js'] }));
    await assert.rejects(boot(), /Plugin "\.\/missing\.js" \(plugins\[0\]\) cannot be found/);
    await writeFile(join(dir, 'half.js'), 'module.exports = { id: "half", name: "Half" };');
    await writeFile(join(dir, 'swapbench.config.json'), JSON.stringify({ plugins: ['./half.js'] }));
    await assert.rejects(
      boot(),
      /Plugin "\.\/half\.js" \(plugins\[0\]\) is not a valid tool: description must be a string; kind must be/,
    );
  });

  it('stops start-up with the file and field when the config file is broken', async () => {
    await writeFile(
      join(dir, 'swapbench.config.json'),
      JSON.stringify({ command: [{ id: 'x', name: 'x', command: [] }] }),
    );
    await assert.rejects(
      boot(),
      (error: Error) =>
        error.message.includes(join(dir, 'swapbench.config.json')) &&
        /command\[0\]\.command: must name the program/.test(error.message),
    );
  });
});
