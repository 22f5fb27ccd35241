import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { FakeOpenAIServer } from './fake-openai.server';

describe('FakeOpenAIServer', () => {
  let fake: FakeOpenAIServer;
  before(async () => {
    fake = await FakeOpenAIServer.start({ apiKey: 'sk-fake-server-spec' });
  });
  after(() => fake.close());

  it('listens on 127.0.0.1 with a port chosen by the OS', () => {
    assert.match(fake.baseURL, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.notEqual(fake.baseURL, 'http://127.0.0.1:0/v1');
  });

  it('parses a multipart edit request: fields, and files in the order sent', async () => {
    const form = new FormData();
    form.append('model', 'gpt-image-1');
    form.append('prompt', 'swap them');
    form.append('input_fidelity', 'high');
    form.append('image[]', new Blob([Buffer.from('first')], { type: 'image/png' }), 'a.png');
    form.append('image[]', new Blob([Buffer.from('second')], { type: 'image/jpeg' }), 'b.jpg');
    const res = await fetch(`${fake.baseURL}/images/edits`, {
      method: 'POST',
      body: form,
      headers: { authorization: 'Bearer sk-fake-server-spec' },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { data: { b64_json: string }[]; usage: { output_tokens: number } };
    assert.deepEqual(Buffer.from(body.data[0].b64_json, 'base64'), fake.outputImage);
    assert.equal(body.usage.output_tokens, 4160);
    const recorded = fake.requests.at(-1);
    assert.equal(recorded?.path, '/v1/images/edits');
    assert.deepEqual(recorded?.fields, {
      model: ['gpt-image-1'],
      prompt: ['swap them'],
      input_fidelity: ['high'],
    });
    assert.deepEqual(
      recorded?.files.map((f) => [f.field, f.filename, f.type, f.data.toString()]),
      [
        ['image[]', 'a.png', 'image/png', 'first'],
        ['image[]', 'b.jpg', 'image/jpeg', 'second'],
      ],
    );
  });

  it('answers 401 with the documented error body to a wrong key', async () => {
    const res = await fetch(`${fake.baseURL}/models`, {
      headers: { authorization: 'Bearer sk-wrong-key-1234' },
    });
    assert.equal(res.status, 401);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'invalid_api_key');
  });

  it('serves /v1/models to the real SDK and 404s the retired DALL·E models', async () => {
    const client = new OpenAI({ apiKey: 'sk-fake-server-spec', baseURL: fake.baseURL, maxRetries: 0 });
    const page = await client.models.list();
    assert.ok(page.data.some((m) => m.id === 'gpt-image-1'));
    assert.equal((await client.models.retrieve('gpt-4.1')).id, 'gpt-4.1');
    await assert.rejects(
      client.models.retrieve('dall-e-3'),
      (error: unknown) => error instanceof OpenAI.NotFoundError && error.code === 'model_not_found',
    );
  });

  it('answers chat completions and image generations with their documented shapes', async () => {
    const client = new OpenAI({ apiKey: 'sk-fake-server-spec', baseURL: fake.baseURL, maxRetries: 0 });
    const chat = await client.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'describe' }],
    });
    assert.equal(chat.choices[0].message.content, fake.chatReply);
    const gen = await client.images.generate({ model: 'gpt-image-1', prompt: 'a park' });
    assert.deepEqual(Buffer.from(gen.data?.[0].b64_json ?? '', 'base64'), fake.outputImage);
    assert.deepEqual(fake.requestsTo('/v1/images/generations').at(-1)?.json, {
      model: 'gpt-image-1',
      prompt: 'a park',
    });
  });

  it('answers a queued failure once, then goes back to normal', async () => {
    const client = new OpenAI({ apiKey: 'sk-fake-server-spec', baseURL: fake.baseURL, maxRetries: 0 });
    fake.failNext('rate_limit_429_retry_after');
    const image = await toFile(Buffer.from('x'), 'x.png', { type: 'image/png' });
    await assert.rejects(
      client.images.edit({ model: 'gpt-image-1', image, prompt: 'p' }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.equal(error.headers.get('retry-after'), '7');
        return true;
      },
    );
    const ok = await client.images.edit({ model: 'gpt-image-1', image, prompt: 'p' });
    assert.ok(ok.data?.[0].b64_json);
  });
});
