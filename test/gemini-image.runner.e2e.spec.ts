import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ItemErrorCode } from '../libs/core/run-events';
import { variantOutcome } from '../libs/results/variant-scores';
import { GeminiImageTool } from '../libs/tools/gemini/gemini-image.tool';
import { FakeGeminiServer, type GeminiScenario } from './fake-gemini/fake-gemini.server';
import { makeToolInput } from './fake-openai/tool-input.fixture';
import { generated, HostedRunHarness, SCENARIO_CASE } from './support/hosted-runner';

const KEY = 'AIzaSyGEMINI-LEAKCHECK-7c6b5a4f3e2d1c0b';
const SCENARIOS: GeminiScenario[] = [
  'ok',
  'bad_key',
  'forbidden',
  'bad_request',
  'not_found',
  'rate_limit_once',
  'quota',
  'server_error',
  'image_safety',
  'prompt_blocked',
  'text_only',
  'truncated_png',
  'hang_once',
];

describe('gemini_image through the real runner, against the fake Gemini API', () => {
  let fake: FakeGeminiServer;
  let harness: HostedRunHarness;

  before(async () => {
    fake = await new FakeGeminiServer(KEY).listen();
    harness = await HostedRunHarness.start('gemini', [SCENARIO_CASE], {
      GEMINI_API_KEY: KEY,
      GEMINI_BASE_URL: fake.baseURL,
    });
  });

  after(async () => {
    await harness?.close();
    await fake?.close();
  });

  it('maps every answer of the service to an image or the right typed failure', async () => {
    const runs = await harness.runEach('gemini_image', fake, SCENARIOS, (s) => ({
      max_attempts: 2,
      ...(s === 'hang_once' ? { timeout_ms: 1_500 } : {}),
    }));
    const item = (id: GeminiScenario) => runs.get(id)!.item;
    const error = (id: GeminiScenario) => item(id).error ?? '';

    assert.ok(generated(item('ok')), `${item('ok').status}: ${error('ok')}`);
    assert.equal(item('ok').attempts, 1);
    assert.equal(item('ok').model, 'gemini-2.5-flash-image');
    assert.equal(item('ok').cost_usd, 0.039);
    const meta = harness.sidecar(item('ok')).meta;
    assert.equal(meta.inputImages, 2, 'the template and the one avatar');
    assert.ok(meta.usage, 'usage metadata is in the sidecar');
    // What went over the wire: the key in its header, the prompt then both images inline.
    const sent = runs.get('ok')!.requests[0];
    assert.equal(sent.headers['x-goog-api-key'], KEY);
    assert.match(sent.path, /^\/v1beta\/models\/gemini-2\.5-flash-image:generateContent$/);
    const parts = (sent.json as { contents: Array<{ parts: Array<Record<string, unknown>> }> }).contents[0]
      .parts;
    assert.equal(parts.length, 3);
    assert.equal(typeof parts[0].text, 'string');
    assert.deepEqual(
      parts.slice(1).map((p) => (p.inlineData as { mimeType: string }).mimeType),
      ['image/png', 'image/png'],
    );

    const failures: Array<[GeminiScenario, RegExp, number, ItemErrorCode]> = [
      ['bad_key', /Gemini rejected the API key from GEMINI_API_KEY \(401\)/, 1, 'auth'],
      ['forbidden', /may not use "gemini-2\.5-flash-image" \(403\): .*\[redacted\]/, 1, 'auth'],
      ['bad_request', /refused the request as invalid \(400\): Unable to process input image/, 1, 'other'],
      ['not_found', /\(404\): models\/gemini-2\.5-flash-image is not found/, 1, 'other'],
      ['quota', /no credit or quota left \(429\).*limit: 0/, 1, 'auth'],
      ['server_error', /Gemini failed on its side \(503\).*overloaded.*\(after 2 attempts\)/, 2, 'server'],
      [
        'image_safety',
        /Refused by Gemini's safety system: the image was stopped \(IMAGE_SAFETY\)/,
        1,
        'refused',
      ],
      [
        'prompt_blocked',
        /Refused by Gemini's safety system: the prompt was blocked \(PROHIBITED_CONTENT\)/,
        1,
        'refused',
      ],
      ['text_only', /Gemini answered without an image .*I can't edit/, 1, 'bad_output'],
      ['truncated_png', /truncated/, 1, 'bad_output'],
    ];
    for (const [id, pattern, attempts, code] of failures) {
      assert.equal(item(id).status, 'failed', `${id}: ${item(id).status}`);
      assert.match(error(id), pattern, id);
      assert.equal(item(id).attempts, attempts, `${id} attempts`);
      assert.equal(item(id).error_code, code, `${id} error_code`);
      // Every failed call is in the history, the last one the item's own failure.
      assert.deepEqual(
        item(id).attempt_failures.map((f) => [f.attempt, f.code]),
        Array.from({ length: attempts }, (_, k) => [k + 1, k + 1 < attempts ? 'server' : code]),
        `${id} attempt history`,
      );
    }
    // The refusals count in the refusal rate of the items as a variant: 2 of the 10 failures, none scored.
    const outcome = variantOutcome(failures.map(([id]) => item(id)));
    assert.equal(outcome.refused, 2);
    assert.equal(outcome.refusal_rate, 0.2);

    // The 429's RetryInfo delay (0.6 s) held the second attempt back, whatever the runner's own backoff.
    assert.ok(generated(item('rate_limit_once')), error('rate_limit_once'));
    assert.equal(item('rate_limit_once').attempts, 2);
    assert.equal(item('rate_limit_once').error_code, null, 'a success clears the code');
    assert.deepEqual(
      item('rate_limit_once').attempt_failures.map((f) => f.code),
      ['rate_limited'],
      'and keeps the history',
    );
    const [first, second] = runs.get('rate_limit_once')!.requests;
    assert.ok(second.at - first.at >= 600, `retried after ${Math.round(second.at - first.at)} ms`);

    // A hung connection ends at the item's time limit and is tried again.
    assert.ok(generated(item('hang_once')), error('hang_once'));
    assert.equal(item('hang_once').attempts, 2);
  });

  it('refuses a case with more people than the model takes images, before calling the service', async () => {
    const before = fake.requests.length;
    const fixture = await makeToolInput({ model: 'gemini-2.5-flash-image', aspect_ratio: 'auto' }, 3);
    try {
      const result = await new GeminiImageTool().generate(fixture.input);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.failure.code, 'too_many_people');
      assert.match(
        !result.ok ? result.failure.message : '',
        /takes at most 3 input images .* 3 people, so 4 images/,
      );
      assert.equal(fake.requests.length, before, 'nothing was sent');
    } finally {
      await fixture.cleanup();
    }
  });

  it('leaves the key nowhere: not in the database, the sidecars, the events or the logs', () => {
    assert.ok(harness.events.some((e) => e.type === 'update' && e.status === 'failed'));
    assert.deepEqual(harness.leaks([KEY, 'LEAKCHECK']), []);
  });
});
