import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { FakeOpenAIServer } from '../../../test/fake-openai/fake-openai.server';
import { makeToolInput, type ToolInputFixture } from '../../../test/fake-openai/tool-input.fixture';
import { OpenAICompatibleToolSchema } from '../config/swapbench-config.schema';
import { resolveToolOptions } from '../tool-options';
import { OpenAICompatibleTool } from './openai-compatible.tool';

const KEY = 'sk-local-VLLM-aabbccddeeff0011';

describe('OpenAICompatibleTool against the fake server', () => {
  let fake: FakeOpenAIServer;
  let fixture: ToolInputFixture;
  before(async () => {
    fake = await FakeOpenAIServer.start({ apiKey: KEY, models: ['qwen-image-edit', 'flux-kontext'] });
  });
  after(() => fake.close());
  beforeEach(async () => {
    fake.requests.length = 0;
    fixture = await makeToolInput({});
  });
  afterEach(() => fixture.cleanup());

  function makeTool(entry: Record<string, unknown>, env: NodeJS.ProcessEnv): OpenAICompatibleTool {
    return new OpenAICompatibleTool(
      OpenAICompatibleToolSchema.parse({
        id: 'vllm_qwen',
        name: 'vLLM Qwen',
        base_url: `${fake.baseURL}/`,
        model: 'qwen-image-edit',
        ...entry,
      }),
      env,
    );
  }

  it("sends baseline_gpt's request to the configured server and model with the key from api_key_env", async () => {
    const tool = makeTool(
      { api_key_env: 'VLLM_KEY' },
      { VLLM_KEY: KEY, OPENAI_API_KEY: 'sk-openai-must-not-be-sent', OPENAI_ORG_ID: 'org-x' },
    );
    fixture.input.options = resolveToolOptions(tool);
    const result = await tool.generate(fixture.input);
    assert.ok(result.ok, JSON.stringify(result));
    const sent = fake.requestsTo('/v1/images/edits')[0];
    assert.equal(sent.authorization, `Bearer ${KEY}`);
    assert.deepEqual(sent.fields.model, ['qwen-image-edit']);
    assert.deepEqual(sent.fields.input_fidelity, ['high']);
    assert.equal(sent.fields.quality, undefined, 'quality defaults to auto for self-hosted servers');
    assert.equal(sent.files.length, 3);
    assert.equal(result.meta.provider, 'vLLM Qwen');
    assert.equal(result.meta.costUsd, undefined, 'no price is invented for a self-hosted model');
    assert.ok(!JSON.stringify(result.meta).includes(KEY));
  });

  it('leaves input_fidelity out for servers configured with input_fidelity "none"', async () => {
    const tool = makeTool(
      { api_key_env: 'VLLM_KEY', input_fidelity: 'none', model: 'flux-kontext' },
      { VLLM_KEY: KEY },
    );
    fixture.input.options = resolveToolOptions(tool);
    const result = await tool.generate(fixture.input);
    assert.ok(result.ok);
    const sent = fake.requestsTo('/v1/images/edits')[0];
    assert.equal(sent.fields.input_fidelity, undefined);
    assert.deepEqual(sent.fields.model, ['flux-kontext']);
  });

  it('is unavailable, naming the variable, while api_key_env is unset', async () => {
    const tool = makeTool({ api_key_env: 'VLLM_KEY' }, {});
    assert.deepEqual(await tool.availability(), {
      available: false,
      reason: 'VLLM_KEY is not set (in the environment or a .env file)',
    });
    fixture.input.options = resolveToolOptions(tool);
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'auth');
    assert.equal(fake.requests.length, 0);
  });

  it("names the server, not OpenAI, in a failure, and says which variable's key was refused", async () => {
    const tool = makeTool({ api_key_env: 'VLLM_KEY' }, { VLLM_KEY: 'sk-wrong-key-for-vllm-000' });
    fixture.input.options = resolveToolOptions(tool);
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'auth');
    assert.equal(
      result.failure.message,
      'vLLM Qwen rejected the API key from VLLM_KEY (401). Set VLLM_KEY to a valid key.',
    );
  });
});
