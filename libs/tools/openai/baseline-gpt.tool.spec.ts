import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { FakeOpenAIServer } from '../../../test/fake-openai/fake-openai.server';
import { makeToolInput, type ToolInputFixture } from '../../../test/fake-openai/tool-input.fixture';
import { resolveToolOptions } from '../tool-options';
import { BaselineGptTool } from './baseline-gpt.tool';

const KEY = 'sk-test-BASELINEGPT-0123456789abcdef';

describe('BaselineGptTool against the fake OpenAI server', () => {
  let fake: FakeOpenAIServer;
  let fixture: ToolInputFixture;
  const tool = new BaselineGptTool();
  const savedEnv = { ...process.env };

  before(async () => {
    fake = await FakeOpenAIServer.start({ apiKey: KEY });
  });
  after(() => fake.close());
  beforeEach(async () => {
    process.env.OPENAI_API_KEY = KEY;
    process.env.OPENAI_BASE_URL = fake.baseURL;
    fake.requests.length = 0;
    fixture = await makeToolInput(resolveToolOptions(tool));
  });
  afterEach(async () => {
    process.env = { ...savedEnv };
    await fixture.cleanup();
  });

  it('sends one images.edit with the template then every avatar, the prompt and input_fidelity high', async () => {
    const result = await tool.generate(fixture.input);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(fake.requests.length, 1);
    const sent = fake.requestsTo('/v1/images/edits')[0];
    assert.equal(sent.authorization, `Bearer ${KEY}`);
    assert.deepEqual(sent.fields.model, ['gpt-image-1']);
    assert.deepEqual(sent.fields.input_fidelity, ['high']);
    assert.deepEqual(sent.fields.quality, ['high']);
    assert.equal(sent.fields.size, undefined, 'size auto is left to the API default');
    assert.deepEqual(sent.fields.n, ['1']);
    // The template first, then avatars in slot order, byte for byte, with their real types.
    assert.deepEqual(
      sent.files.map((f) => f.data),
      [fixture.input.template, ...fixture.input.avatars.map((a) => a.image)],
    );
    assert.deepEqual(
      sent.files.map((f) => [f.field, f.type]),
      [
        ['image[]', 'image/png'],
        ['image[]', 'image/png'],
        ['image[]', 'image/jpeg'],
      ],
    );
    // Slot p1 is the rightmost person in the fixture, so image 2 goes to the right.
    const prompt = sent.fields.prompt[0];
    assert.match(prompt, /Replace the person on the right in image 1 with the person from image 2\./);
    assert.match(prompt, /Replace the person on the left in image 1 with the person from image 3\./);
  });

  it('stores the decoded image and the model, latency, token usage and cost, and never the key', async () => {
    const result = await tool.generate(fixture.input);
    assert.ok(result.ok);
    assert.deepEqual(result.image, fake.outputImage);
    assert.equal(result.meta.model, 'gpt-image-1');
    assert.equal(typeof result.meta.latencyMs, 'number');
    assert.deepEqual(result.meta.usage, {
      input_tokens: 1200,
      input_tokens_details: { image_tokens: 1000, text_tokens: 200 },
      output_tokens: 4160,
      total_tokens: 5360,
    });
    // 200 text × $5 + 1000 image × $10 + 4160 output × $40, per million tokens.
    assert.equal(result.meta.costUsd, 0.1774);
    assert.equal(result.meta.endpoint, fake.baseURL);
    assert.ok(!JSON.stringify(result.meta).includes(KEY));
  });

  it("passes the model, size and quality options, and lets the case's prompt override the built one", async () => {
    fixture.input.options = resolveToolOptions(tool, {
      model: 'gpt-image-1-mini',
      size: '1536x1024',
      quality: 'low',
    });
    fixture.input.prompt = 'Put the red person where the tall one stands.';
    const result = await tool.generate(fixture.input);
    assert.ok(result.ok);
    const sent = fake.requestsTo('/v1/images/edits')[0];
    assert.deepEqual(sent.fields.model, ['gpt-image-1-mini']);
    assert.deepEqual(sent.fields.size, ['1536x1024']);
    assert.deepEqual(sent.fields.quality, ['low']);
    assert.deepEqual(sent.fields.prompt, ['Put the red person where the tall one stands.']);
  });

  it('is unavailable, with the reason, when OPENAI_API_KEY is missing, and then sends nothing', async () => {
    delete process.env.OPENAI_API_KEY;
    assert.deepEqual(await tool.availability(), {
      available: false,
      reason: 'OPENAI_API_KEY is not set (in the environment or a .env file)',
    });
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'auth');
    assert.equal(fake.requests.length, 0);
  });

  it('is available once the key is set', async () => {
    assert.deepEqual(await tool.availability(), { available: true });
  });
});
