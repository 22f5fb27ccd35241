import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildConfiguredTools } from './config/configured-tools.loader';
import { SwapbenchConfigSchema } from './config/swapbench-config.schema';
import { ControlTemplateTool } from './builtin/control-template.tool';
import { BaselineGptTool } from './openai/baseline-gpt.tool';
import { toolFingerprint } from './tool-fingerprint';

const dir = mkdtempSync(join(tmpdir(), 'swapbench-fingerprint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fingerprintOf(config: unknown, id: string): Promise<string> {
  const tools = await buildConfiguredTools({ config: SwapbenchConfigSchema.parse(config), dir, path: null });
  const tool = tools.find((t) => t.id === id);
  assert.ok(tool, `tool ${id}`);
  return toolFingerprint(tool);
}

describe('tool fingerprints', () => {
  it('change when the script a command tool runs is edited, not otherwise', async () => {
    writeFileSync(join(dir, 'swap.js'), 'console.log(1)\n');
    const config = {
      command: [{ id: 'cmd', name: 'Cmd', command: ['node', 'swap.js', '{template}', '{output}'] }],
    };
    const first = await fingerprintOf(config, 'cmd');
    assert.equal(await fingerprintOf(config, 'cmd'), first);
    writeFileSync(join(dir, 'swap.js'), 'console.log(2)\n');
    assert.notEqual(await fingerprintOf(config, 'cmd'), first);
  });

  it('change with an openai_compatible base URL', async () => {
    const entry = { id: 'srv', name: 'Srv', base_url: 'http://127.0.0.1:9000/v1', model: 'm' };
    const a = await fingerprintOf({ openai_compatible: [entry] }, 'srv');
    const b = await fingerprintOf(
      { openai_compatible: [{ ...entry, base_url: 'http://127.0.0.1:9001/v1' }] },
      'srv',
    );
    assert.notEqual(a, b);
  });

  it('change when a plugin package is upgraded', async () => {
    const pkg = join(dir, 'node_modules', 'swap-plugin');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, 'index.js'),
      "module.exports = { id: 'plug', name: 'Plug', description: 'd', kind: 'local', concurrency: 1, timeoutMs: 1000, options: {}, availability: async () => ({ available: true }), generate: async () => ({ ok: false }) };\n",
    );
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'swap-plugin', version: '1.0.0', main: 'index.js' }),
    );
    const config = { plugins: ['swap-plugin'] };
    const v1 = await fingerprintOf(config, 'plug');
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: 'swap-plugin', version: '1.1.0', main: 'index.js' }),
    );
    assert.notEqual(await fingerprintOf(config, 'plug'), v1);
  });

  it('of a built-in OpenAI tool change with OPENAI_BASE_URL', async () => {
    const saved = process.env.OPENAI_BASE_URL;
    const tool = new BaselineGptTool();
    try {
      delete process.env.OPENAI_BASE_URL;
      const official = await toolFingerprint(tool);
      process.env.OPENAI_BASE_URL = 'http://127.0.0.1:9/v1';
      assert.notEqual(await toolFingerprint(tool), official);
    } finally {
      if (saved === undefined) delete process.env.OPENAI_BASE_URL;
      else process.env.OPENAI_BASE_URL = saved;
    }
  });

  it('of a built-in tool are stable', async () => {
    const tool = new ControlTemplateTool();
    assert.equal(await toolFingerprint(tool), await toolFingerprint(new ControlTemplateTool()));
  });
});
