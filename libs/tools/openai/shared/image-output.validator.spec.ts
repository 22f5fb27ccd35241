import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { checkBase64Image, checkImageOutput } from './image-output.validator';
import { chatCostUsd, imageCostUsd } from './prices';

async function noisyPng(): Promise<Buffer> {
  const raw = Buffer.alloc(48 * 48 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251;
  return sharp(raw, { raw: { width: 48, height: 48, channels: 3 } })
    .png()
    .toBuffer();
}

describe('checkImageOutput', () => {
  it('accepts a whole PNG as is and converts JPEG to PNG', async () => {
    const png = await noisyPng();
    const ok = await checkImageOutput(png, 'X');
    assert.ok(ok.ok);
    assert.equal(ok.png, png);
    assert.deepEqual([ok.width, ok.height, ok.format], [48, 48, 'png']);
    const jpeg = await sharp(png).jpeg().toBuffer();
    const converted = await checkImageOutput(jpeg, 'X');
    assert.ok(converted.ok);
    assert.equal((await sharp(converted.png).metadata()).format, 'png');
  });

  it('refuses a PNG cut in its pixel data, a PNG missing its end chunk, and bytes that are no image', async () => {
    const png = await noisyPng();
    for (const [bytes, why] of [
      [png.subarray(0, png.length >> 1), /truncated/],
      [png.subarray(0, png.length - 12), /no end chunk/],
      [Buffer.from('{"error":"nope"}'), /not an image/],
      [Buffer.alloc(0), /empty/],
    ] as const) {
      const result = await checkImageOutput(bytes, 'Server S');
      assert.ok(!result.ok);
      assert.deepEqual([result.failure.code, result.failure.retryable], ['bad_output', false]);
      assert.match(result.failure.message, /^Server S /);
      assert.match(result.failure.message, why);
    }
  });

  it('refuses an answer with no base64 data', async () => {
    const result = await checkBase64Image(undefined, 'OpenAI');
    assert.ok(!result.ok);
    assert.match(result.failure.message, /without image data/);
  });
});

describe('prices', () => {
  it('prices gpt-image calls from token usage, and falls back to the per-image table without it', () => {
    const usage = {
      input_tokens: 300,
      output_tokens: 1000,
      input_tokens_details: { image_tokens: 200, text_tokens: 100 },
    };
    assert.equal(imageCostUsd('gpt-image-1', usage, 'high', '1024x1024'), 0.0425);
    assert.equal(imageCostUsd('gpt-image-1', undefined, 'high', '1024x1024'), 0.167);
    assert.equal(imageCostUsd('gpt-image-1', undefined, 'low', '1536x1024'), 0.016);
    assert.equal(imageCostUsd('dall-e-3', undefined, 'auto', '1024x1024'), 0.04);
    assert.equal(imageCostUsd('dall-e-3', undefined, 'hd', '1792x1024'), 0.12);
  });

  it('gives no cost for models or settings it has no price for', () => {
    assert.equal(
      imageCostUsd('some-local-model', { input_tokens: 1, output_tokens: 1 }, 'high', '1024x1024'),
      undefined,
    );
    assert.equal(imageCostUsd('gpt-image-1', undefined, 'auto', '1024x1024'), undefined);
    assert.equal(chatCostUsd('unknown-chat', { prompt_tokens: 1, completion_tokens: 1 }), undefined);
    assert.equal(chatCostUsd('gpt-4o', { prompt_tokens: 1000, completion_tokens: 100 }), 0.0035);
  });
});
