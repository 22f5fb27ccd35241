import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { parseSettings } from '../../core/config/swapbench-settings';
import { UserError } from '../../core/user-error';
import { loadDotEnvFile, loadSwapbenchConfig } from './swapbench-config.loader';

describe('loadSwapbenchConfig', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swapbench-config-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function write(content: unknown, name = 'swapbench.config.json'): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  /** Expects a UserError and returns its message. */
  function errorOf(fn: () => unknown): string {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof UserError, String(error));
      return error.message;
    }
    assert.fail('expected a UserError');
  }

  it('is empty when there is no file in the working directory', () => {
    assert.deepEqual(loadSwapbenchConfig(parseSettings({}, dir)), {
      config: { openai_compatible: [], command: [], replicate: [], fal: [], plugins: [], prices: {} },
      path: null,
      dir,
    });
  });

  it('reads swapbench.config.json from the working directory and fills in defaults', async () => {
    const path = await write({
      openai_compatible: [
        {
          id: 'vllm',
          name: 'vLLM',
          base_url: 'http://127.0.0.1:8001/v1',
          model: 'qwen-image-edit',
          api_key_env: 'VLLM_KEY',
        },
      ],
      command: [
        {
          id: 'inswapper',
          name: 'InSwapper',
          command: ['python3', 'swap.py', '{template}', '{avatars}', '-o', '{output}'],
        },
      ],
      plugins: ['./my-tool.js', { module: 'swapbench-tool-x', options: { level: 2 } }],
    });
    const loaded = loadSwapbenchConfig(parseSettings({}, dir));
    assert.equal(loaded.path, path);
    assert.equal(loaded.config.openai_compatible[0].timeout_ms, 300_000);
    assert.equal(loaded.config.openai_compatible[0].input_fidelity, 'high');
    assert.deepEqual(
      [
        loaded.config.command[0].timeout_ms,
        loaded.config.command[0].concurrency,
        loaded.config.command[0].kind,
      ],
      [120_000, 1, 'local'],
    );
    assert.equal(loaded.config.plugins.length, 2);
  });

  it('takes the path from SWAPBENCH_CONFIG, which must then exist', async () => {
    await write({ command: [] }, 'other.json');
    assert.equal(
      loadSwapbenchConfig(parseSettings({ SWAPBENCH_CONFIG: 'other.json' }, dir)).path,
      join(dir, 'other.json'),
    );
    assert.match(
      errorOf(() => loadSwapbenchConfig(parseSettings({ SWAPBENCH_CONFIG: 'missing.json' }, dir))),
      /missing\.json \(from SWAPBENCH_CONFIG\) does not exist/,
    );
  });

  it('names the file and the field of every problem', async () => {
    const path = await write({
      command: [{ id: 'Bad Id', name: 'x', command: ['prog', '{tempalte}', '--x={avatars}'], timeout_ms: 5 }],
      openai_compatible: [{ id: 'ok', name: 'x', base_url: 'not a url', model: 'm', extra: 1 }],
    });
    const message = errorOf(() => loadSwapbenchConfig(parseSettings({}, dir)));
    assert.ok(message.startsWith(`Config file ${path} is invalid:`), message);
    assert.match(message, /command\[0\]\.id: must be a slug/);
    assert.match(message, /command\[0\]\.command\[1\]: unknown placeholder \{tempalte\}/);
    assert.match(message, /command\[0\]\.command\[2\]: \{avatars\} expands to one argument per avatar/);
    assert.match(message, /command\[0\]\.timeout_ms: /);
    assert.match(message, /openai_compatible\[0\]\.base_url: must be an http\(s\) URL/);
    assert.match(message, /openai_compatible\[0\]: Unrecognized key: "extra"/);
  });

  it('checks replicate and fal entries: a model id, and an input mapping unless a preset fits', async () => {
    await write({
      replicate: [
        { id: 'rep_preset', name: 'x', model: 'google/nano-banana' },
        { id: 'rep_custom', name: 'x', model: 'acme/editor' },
        { id: 'rep_both', name: 'x', model: 'acme/editor', input: { images: 'a', image_fields: ['b', 'c'] } },
      ],
      fal: [{ id: 'fal_bad', name: 'x', model: 'nano-banana' }],
    });
    const message = errorOf(() => loadSwapbenchConfig(parseSettings({}, dir)));
    assert.match(message, /replicate\[1\]\.input: is required for a model without a built-in preset/);
    assert.match(message, /replicate\[2\]\.input: give exactly one of `images`/);
    assert.match(message, /fal\[0\]\.model: must be a model id like fal-ai\/nano-banana\/edit/);
    assert.doesNotMatch(message, /replicate\[0\]/);

    await write({
      replicate: [{ id: 'rep_preset', name: 'x', model: 'google/nano-banana' }],
      fal: [{ id: 'rep_preset', name: 'y', model: 'fal-ai/nano-banana/edit' }],
    });
    assert.match(
      errorOf(() => loadSwapbenchConfig(parseSettings({}, dir))),
      /fal\[0\]\.id: the id "rep_preset" is already used by replicate\[0\]\.id/,
    );

    await write({ replicate: [{ id: 'rep_preset', name: 'x', model: 'google/nano-banana' }] });
    const { config } = loadSwapbenchConfig(parseSettings({}, dir));
    assert.equal(config.replicate[0].input?.images, 'image_input', 'the preset mapping is filled in');
  });

  it('refuses a key pasted into api_key_env without repeating it', async () => {
    const pasted = 'sk-proj-PASTEDKEY1234567890';
    await write({
      openai_compatible: [{ id: 'x', name: 'x', base_url: 'http://h/v1', model: 'm', api_key_env: pasted }],
    });
    const message = errorOf(() => loadSwapbenchConfig(parseSettings({}, dir)));
    assert.match(message, /openai_compatible\[0\]\.api_key_env: must be the NAME of an environment variable/);
    assert.ok(!message.includes(pasted));
  });

  it('reports invalid JSON and duplicate ids with the file name', async () => {
    const path = await write('{ "command": [ }');
    assert.match(
      errorOf(() => loadSwapbenchConfig(parseSettings({}, dir))),
      new RegExp(`Config file ${path} is not valid JSON`),
    );
    await write({
      openai_compatible: [{ id: 'same', name: 'a', base_url: 'http://h/v1', model: 'm' }],
      command: [{ id: 'same', name: 'b', command: ['p'] }],
    });
    assert.match(
      errorOf(() => loadSwapbenchConfig(parseSettings({}, dir))),
      /command\[0\]\.id: the id "same" is already used by openai_compatible\[0\]\.id/,
    );
  });
});

describe('loadDotEnvFile', () => {
  it('reads .env from the working directory without replacing variables already set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'swapbench-dotenv-'));
    const saved = { ...process.env };
    try {
      await writeFile(
        join(dir, '.env'),
        'SWAPBENCH_TEST_DOTENV_A=from-file\nSWAPBENCH_TEST_DOTENV_B=from-file\n',
      );
      process.env.SWAPBENCH_TEST_DOTENV_B = 'from-env';
      loadDotEnvFile(dir);
      assert.equal(process.env.SWAPBENCH_TEST_DOTENV_A, 'from-file');
      assert.equal(process.env.SWAPBENCH_TEST_DOTENV_B, 'from-env');
    } finally {
      process.env = saved;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
