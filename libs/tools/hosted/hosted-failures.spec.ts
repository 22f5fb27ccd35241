import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delayFromText, failureFromHttp, type HostedService } from './hosted-failures';
import { pollJob, type PollStep } from './job-polling';
import { mappedInput, InputMappingSchema } from './input-mapping';

const SERVICE: HostedService = {
  name: 'Svc',
  baseUrl: 'https://svc.example',
  keyEnv: 'SVC_KEY',
  model: 'm1',
  secrets: ['svc-secret-123456'],
};

describe('delayFromText', () => {
  it("reads Google's duration form and Replicate's sentence", () => {
    assert.equal(delayFromText('36s'), 36_000);
    assert.equal(delayFromText('0.6s'), 600);
    assert.equal(delayFromText('Request was throttled. Expected available in 30 seconds.'), 30_000);
    assert.equal(delayFromText('Expected available in 1 second.'), 1_000);
    assert.equal(delayFromText('retry in 250ms'), 250);
    assert.equal(delayFromText('Request was throttled.'), undefined);
  });
});

describe('failureFromHttp', () => {
  it('keeps the delay of a 429, redacts the key, and lets X-Fal-Retryable overrule the status', () => {
    const limited = failureFromHttp(
      { status: 429, said: 'slow down svc-secret-123456', retryAfterMs: 1200 },
      SERVICE,
    );
    assert.deepEqual([limited.code, limited.retryable, limited.retryAfterMs], ['rate_limited', true, 1200]);
    assert.doesNotMatch(limited.message, /svc-secret/);
    assert.equal(failureFromHttp({ status: 500, said: 'boom', retryable: false }, SERVICE).retryable, false);
    assert.equal(failureFromHttp({ status: 400, said: 'x', retryable: true }, SERVICE).retryable, true);
    // An auth failure stays final whatever a header says, and never quotes the service.
    const auth = failureFromHttp(
      { status: 401, said: 'bad key svc-secret-123456', retryable: true },
      SERVICE,
    );
    assert.deepEqual([auth.code, auth.retryable], ['auth', false]);
    assert.doesNotMatch(auth.message, /bad key/);
  });

  it('sorts the statuses into the typed classes', () => {
    const code = (status: number, extra: object = {}) =>
      failureFromHttp({ status, said: 'x', ...extra }, SERVICE).code;
    assert.deepEqual(
      [
        code(400),
        code(402),
        code(403),
        code(404),
        code(422),
        code(503),
        code(403, { quota: true }),
        code(400, { safety: true }),
      ],
      ['bad_request', 'quota', 'forbidden', 'not_found', 'bad_request', 'server_error', 'quota', 'safety'],
    );
  });
});

describe('pollJob', () => {
  it('waits longer between looks and ends at once when the signal fires', async () => {
    const looks: number[] = [];
    const controller = new AbortController();
    const started = performance.now();
    const end = await pollJob(
      (): Promise<PollStep<string>> => {
        looks.push(performance.now() - started);
        if (looks.length === 4) controller.abort();
        return Promise.resolve({ state: 'running' });
      },
      { intervalMs: 20, signal: controller.signal, service: 'Svc' },
    );
    assert.equal(end.state, 'failed');
    assert.equal(end.state === 'failed' && end.failure.code, 'aborted');
    assert.equal(looks.length, 4);
    // 20, 30, 45 ms apart at least: the gaps grow.
    assert.ok(looks[3] - looks[2] >= 44 && looks[2] - looks[1] >= 29, looks.join(', '));
  });
});

describe('input mappings', () => {
  it('places the prompt and images as a list or as single fields, with the extras', () => {
    const list = InputMappingSchema.parse({ images: 'image_urls', extra: { num_images: 1 } });
    assert.deepEqual(mappedInput(list, 'p', ['t', 'a1']), {
      num_images: 1,
      prompt: 'p',
      image_urls: ['t', 'a1'],
    });
    const fields = InputMappingSchema.parse({
      prompt: 'instruction',
      image_fields: ['photo', 'face_1', 'face_2'],
    });
    assert.deepEqual(mappedInput(fields, 'p', ['t', 'a1']), { instruction: 'p', photo: 't', face_1: 'a1' });
    assert.equal(InputMappingSchema.safeParse({ images: 'a', image_fields: ['b', 'c'] }).success, false);
    assert.equal(InputMappingSchema.safeParse({}).success, false);
  });
});
