import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { RateLimitError } from 'openai';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { FakeOpenAIServer } from '../../../test/fake-openai/fake-openai.server';
import type { FakeScenario } from '../../../test/fake-openai/fake-openai.scenarios';
import { makeToolInput, type ToolInputFixture } from '../../../test/fake-openai/tool-input.fixture';
import type { ToolFailure } from '../tool';
import { requestSwapEdit, type ImageProvider } from './image-edit.request';
import { retryAfterMs, toolFailureFromError } from './shared/openai-errors.mapper';

const KEY = 'sk-test-ERRORS-9f8e7d6c5b4a3210';

/** Each failure the issue lists, and what swapbench must make of it. */
const CASES: {
  scenario: FakeScenario;
  retryable: boolean;
  code: string;
  message: RegExp;
  retryAfterMs?: number;
}[] = [
  {
    scenario: 'auth_401',
    retryable: false,
    code: 'auth',
    message: /rejected the API key from OPENAI_API_KEY \(401\)/,
  },
  {
    scenario: 'forbidden_403',
    retryable: false,
    code: 'forbidden',
    message: /may not use model "gpt-image-1" \(403\).*verified/,
  },
  { scenario: 'safety_400', retryable: false, code: 'safety', message: /Refused by OpenAI's safety system/ },
  {
    scenario: 'bad_request_400',
    retryable: false,
    code: 'bad_request',
    message: /invalid \(400, parameter "size"\): Invalid value: '7x7'/,
  },
  {
    scenario: 'unprocessable_422',
    retryable: false,
    code: 'unprocessable',
    message: /could not process the request \(422/,
  },
  {
    scenario: 'model_not_found_404',
    retryable: false,
    code: 'model_not_found',
    message: /does not serve model "gpt-image-1" \(404\).*`model` option/,
  },
  {
    scenario: 'rate_limit_429',
    retryable: true,
    code: 'rate_limited',
    message: /rate limiting/,
    retryAfterMs: undefined,
  },
  {
    scenario: 'rate_limit_429_retry_after',
    retryable: true,
    code: 'rate_limited',
    message: /rate limiting/,
    retryAfterMs: 7000,
  },
  {
    scenario: 'rate_limit_429_retry_after_ms',
    retryable: true,
    code: 'rate_limited',
    message: /rate limiting/,
    retryAfterMs: 1500,
  },
  { scenario: 'server_500', retryable: true, code: 'server_error', message: /failed on its side \(500\)/ },
  { scenario: 'server_503', retryable: true, code: 'server_error', message: /failed on its side \(503\)/ },
  { scenario: 'drop_connection', retryable: true, code: 'connection', message: /Could not reach OpenAI/ },
  { scenario: 'not_image_200', retryable: false, code: 'bad_output', message: /not an image/ },
  { scenario: 'truncated_png_200', retryable: false, code: 'bad_output', message: /truncated/ },
  { scenario: 'html_200', retryable: false, code: 'bad_output', message: /non-JSON body/ },
];

describe('OpenAI failures become typed ToolFailures (real SDK, fake server)', () => {
  let fake: FakeOpenAIServer;
  let fixture: ToolInputFixture;
  let provider: ImageProvider;
  const settings = { model: 'gpt-image-1', size: 'auto', quality: 'high', inputFidelity: 'high' as const };

  before(async () => {
    fake = await FakeOpenAIServer.start();
  });
  after(() => fake.close());
  beforeEach(async () => {
    fake.requests.length = 0;
    fixture = await makeToolInput({});
    provider = {
      endpoint: { apiKey: KEY, apiKeyEnv: 'OPENAI_API_KEY', baseURL: fake.baseURL },
      name: 'OpenAI',
      thirdParty: false,
      timeoutMs: 10_000,
    };
  });
  afterEach(() => fixture.cleanup());

  for (const c of CASES) {
    it(`${c.scenario} → ${c.retryable ? 'retryable' : 'final'} ${c.code}, sent once, key never echoed`, async () => {
      fake.failNext(c.scenario);
      const result = await requestSwapEdit(provider, fixture.input, settings);
      assert.ok(!result.ok, 'the call must fail');
      const failure: ToolFailure = result.failure;
      assert.equal(failure.code, c.code, failure.message);
      assert.equal(failure.retryable, c.retryable);
      assert.match(failure.message, c.message);
      if ('retryAfterMs' in c) assert.equal(failure.retryAfterMs, c.retryAfterMs);
      assert.ok(!failure.message.includes(KEY), `the key leaked into: ${failure.message}`);
      assert.ok(
        !/sk-[A-Za-z0-9]/.test(failure.message),
        `something key-shaped leaked into: ${failure.message}`,
      );
      // Exactly one layer retries, and it is not the SDK.
      assert.equal(fake.requests.length, 1);
    });
  }

  it('connection refused → retryable connection failure that names the address and the cause', async () => {
    const port = await closedPort();
    provider.endpoint.baseURL = `http://127.0.0.1:${port}/v1`;
    const result = await requestSwapEdit(provider, fixture.input, settings);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'connection');
    assert.equal(result.failure.retryable, true);
    assert.match(result.failure.message, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
  });

  it('no answer within the timeout → retryable timeout failure', async () => {
    fake.failNext('hang');
    provider.timeoutMs = 300;
    const result = await requestSwapEdit(provider, fixture.input, settings);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'timeout');
    assert.equal(result.failure.retryable, true);
    assert.equal(fake.requests.length, 1);
  });

  it("honours the item's abort signal: the request stops and the failure is final", async () => {
    fake.failNext('hang');
    const controller = new AbortController();
    fixture.input.signal = controller.signal;
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const result = await requestSwapEdit(provider, fixture.input, settings);
    assert.ok(!result.ok);
    assert.equal(result.failure.code, 'aborted');
    assert.equal(result.failure.retryable, false);
    assert.ok(Date.now() - started < 5_000);
  });

  it('an exhausted quota (429 insufficient_quota) is final: waiting does not refill it', () => {
    const error = new RateLimitError(
      429,
      { message: 'You exceeded your current quota', code: 'insufficient_quota' },
      undefined,
      new Headers(),
    );
    const failure = toolFailureFromError(error, {
      provider: 'OpenAI',
      baseURL: 'x',
      model: 'm',
      apiKeyEnv: 'OPENAI_API_KEY',
      secrets: [],
      timeoutMs: 1,
    });
    assert.equal(failure.code, 'quota');
    assert.equal(failure.retryable, false);
  });
});

describe('retryAfterMs', () => {
  it('reads retry-after-ms first, then retry-after in seconds or as an HTTP date', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '2.5' })), 2500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }), now), 30_000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'soon' })), undefined);
    assert.equal(retryAfterMs(new Headers()), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });
});

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}
