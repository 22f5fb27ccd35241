import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DEFAULT_FAKE_MODELS, FakeOpenAIServer } from '../../../test/fake-openai/fake-openai.server';
import { makeToolInput, type ToolInputFixture } from '../../../test/fake-openai/tool-input.fixture';
import { resolveToolOptions } from '../tool-options';
import { BaselineDalle3Tool } from './baseline-dalle3.tool';

const KEY = 'sk-test-DALLE-00112233445566778899';

interface ChatBody {
  model: string;
  messages: {
    role: string;
    content: ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];
  }[];
}

describe('BaselineDalle3Tool against the fake OpenAI server', () => {
  let fake: FakeOpenAIServer;
  let fixture: ToolInputFixture;
  const savedEnv = { ...process.env };

  async function startFake(models: string[]): Promise<void> {
    fake = await FakeOpenAIServer.start({ apiKey: KEY, models });
    process.env.OPENAI_API_KEY = KEY;
    process.env.OPENAI_BASE_URL = fake.baseURL;
  }
  beforeEach(async () => {
    fixture = await makeToolInput({});
  });
  afterEach(async () => {
    process.env = { ...savedEnv };
    await fake?.close();
    await fixture.cleanup();
  });

  it('says plainly that DALL·E was removed, in availability and in a failed call, and points to the model option', async () => {
    await startFake(DEFAULT_FAKE_MODELS);
    const tool = new BaselineDalle3Tool();
    const availability = await tool.availability();
    assert.equal(availability.available, false);
    assert.match(
      availability.reason ?? '',
      /OpenAI removed the DALL·E models \(dall-e-3\) from its API.*`model` option.*gpt-image-1/,
    );

    fixture.input.options = resolveToolOptions(tool);
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'model_not_found');
    assert.equal(result.failure.retryable, false);
    assert.match(
      result.failure.message,
      /does not serve model "dall-e-3".*removed the DALL·E models.*`model` option/,
    );
  });

  it('describes the scene with a vision model, then generates from that description with the chosen model', async () => {
    await startFake(DEFAULT_FAKE_MODELS);
    const tool = new BaselineDalle3Tool();
    fixture.input.options = resolveToolOptions(tool, { model: 'gpt-image-1', quality: 'high' });
    const result = await tool.generate(fixture.input);
    assert.ok(result.ok, JSON.stringify(result));

    const chat = fake.requestsTo('/v1/chat/completions')[0].json as ChatBody;
    assert.equal(chat.model, 'gpt-4.1');
    const parts = chat.messages[0].content;
    const images = parts.filter((p) => p.type === 'image_url');
    assert.equal(images.length, 3, 'the template and both avatars');
    assert.equal(
      images[0].type === 'image_url' && images[0].image_url.url,
      `data:image/png;base64,${fixture.input.template.toString('base64')}`,
    );
    assert.equal(
      images[2].type === 'image_url' && images[2].image_url.url,
      `data:image/jpeg;base64,${fixture.input.avatars[1].image.toString('base64')}`,
    );
    const instructions = parts[0].type === 'text' ? parts[0].text : '';
    assert.match(instructions, /the person on the right in image 1 is to be shown as the person in image 2/);
    assert.match(instructions, /Never name anyone/);

    const gen = fake.requestsTo('/v1/images/generations')[0].json as Record<string, unknown>;
    assert.deepEqual(gen, {
      model: 'gpt-image-1',
      prompt: fake.chatReply,
      n: 1,
      size: '1024x1024',
      quality: 'high',
    });
    assert.deepEqual(result.image, fake.outputImage);
    assert.equal(result.meta.sceneDescription, fake.chatReply);
    assert.equal(result.meta.visionModel, 'gpt-4.1');
    // Vision: 900 × $2 + 120 × $8 per million; image: 200 × $5 + 1000 × $10 + 4160 × $40 per million.
    assert.deepEqual(result.meta.costBreakdownUsd, { vision: 0.00276, image: 0.1774 });
    assert.equal(result.meta.costUsd, 0.18016);
    assert.ok(!JSON.stringify(result.meta).includes(KEY));
  });

  it('asks DALL·E for base64 and keeps its revised prompt where a server still serves it', async () => {
    await startFake([...DEFAULT_FAKE_MODELS, 'dall-e-3']);
    const tool = new BaselineDalle3Tool();
    assert.deepEqual(await tool.availability(), { available: true });
    fixture.input.options = resolveToolOptions(tool);
    const result = await tool.generate(fixture.input);
    assert.ok(result.ok, JSON.stringify(result));
    const gen = fake.requestsTo('/v1/images/generations')[0].json as Record<string, unknown>;
    assert.equal(gen.response_format, 'b64_json');
    assert.equal(gen.quality, undefined, 'auto quality is left to the API');
    assert.equal(result.meta.revisedPrompt, `revised: ${fake.chatReply}`);
    assert.equal(
      result.meta.costBreakdownUsd && (result.meta.costBreakdownUsd as { image: number }).image,
      0.04,
    );
  });

  it('reports a vision model the server does not serve through the vision_model option', async () => {
    await startFake(DEFAULT_FAKE_MODELS);
    const tool = new BaselineDalle3Tool();
    fixture.input.options = resolveToolOptions(tool, { model: 'gpt-image-1', vision_model: 'gpt-9-vision' });
    const result = await tool.generate(fixture.input);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'model_not_found');
    assert.match(result.failure.message, /"gpt-9-vision".*`vision_model` option/);
    assert.equal(fake.requestsTo('/v1/images/generations').length, 0);
  });

  it('is unavailable without OPENAI_API_KEY', async () => {
    await startFake(DEFAULT_FAKE_MODELS);
    delete process.env.OPENAI_API_KEY;
    const availability = await new BaselineDalle3Tool().availability();
    assert.deepEqual(availability, {
      available: false,
      reason: 'OPENAI_API_KEY is not set (in the environment or a .env file)',
    });
    assert.equal(fake.requests.length, 0);
  });
});
