import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { FakeFalServer, type FalScenario } from './fake-fal/fake-fal.server';
import { generated, HostedRunHarness, SCENARIO_CASE } from './support/hosted-runner';

const KEY = 'fal-id-LEAKCHECK:5e6f7a8b9c0d1e2f3a4b5c6d';
const SCENARIOS: FalScenario[] = [
  'ok',
  'bad_key',
  'locked',
  'forbidden',
  'not_found',
  'invalid',
  'rate_limit_once',
  'unavailable_retryable',
  'failed_not_retryable',
  'content_policy',
  'nsfw_flag',
  'expired_url',
  'truncated_png',
  'hung_url',
  'insecure_url',
];
const FAST = { fal: { poll_interval_ms: 20 } };
/** A short download limit, only for the scenario whose result URL hangs. */
const options = (s: FalScenario) => ({
  max_attempts: 2,
  tool_options: {
    fal: { poll_interval_ms: 20, ...(s === 'hung_url' ? { download_timeout_ms: 1_500 } : {}) },
  },
});

describe('fal through the real runner, against the fake fal queue and the real SDK', () => {
  let fake: FakeFalServer;
  let harness: HostedRunHarness;

  before(async () => {
    fake = await new FakeFalServer(KEY).listen();
    harness = await HostedRunHarness.start('fal', [SCENARIO_CASE], {
      FAL_KEY: KEY,
      FAL_QUEUE_URL: fake.queueURL,
    });
  });

  after(async () => {
    await harness?.close();
    await fake?.close();
  });

  it('submits, polls the queue, fetches the result and maps every answer to the right result', async () => {
    const runs = await harness.runEach('fal', fake, SCENARIOS, options);
    const item = (id: FalScenario) => runs.get(id)!.item;
    const submits = (id: FalScenario) => runs.get(id)!.requests.filter((r) => r.method === 'POST');
    const error = (id: FalScenario) => item(id).error ?? '';

    assert.ok(generated(item('ok')), `${item('ok').status}: ${error('ok')}`);
    assert.equal(item('ok').model, 'fal-ai/nano-banana/edit');
    assert.equal(item('ok').cost_usd, 0.039, 'from the price table');
    const [submit] = submits('ok');
    assert.equal(submit.path, '/fal-ai/nano-banana/edit');
    assert.equal(submit.headers.authorization, `Key ${KEY}`);
    const input = submit.json as Record<string, unknown>;
    assert.equal((input.image_urls as string[]).length, 2, 'template and avatar as data URIs');
    assert.equal(input.num_images, 1);
    const job = [...fake.queue.values()].find((j) => j.scenario === 'ok')!;
    assert.equal(
      fake.requests.filter((r) => r.path === `/fal-ai/nano-banana/requests/${job.id}/status`).length,
      3,
      'IN_QUEUE, IN_PROGRESS, COMPLETED',
    );

    const failures: Array<[FalScenario, RegExp, number]> = [
      ['bad_key', /rejected the API key from FAL_KEY \(401\)/, 1],
      ['locked', /no credit or quota left \(403\): User is locked\. Reason: Exhausted balance/, 1],
      ['forbidden', /\(403\): Key \[redacted\] lacks access/, 1],
      ['not_found', /\(404\): Application 'fal-ai\/nano-banana\/edit' not found/, 1],
      ['invalid', /invalid \(422\): Could not download the image/, 1],
      [
        'unavailable_retryable',
        /fal failed on its side \(503\).*runner_scheduling_failure.*\(after 2 attempts\)/,
        2,
      ],
      // A 500 that fal marks X-Fal-Retryable: false is final at once.
      ['failed_not_retryable', /fal failed on its side \(500\): Model raised an exception/, 1],
      ['content_policy', /Refused by fal's safety system \(422\): The content could not be processed/, 1],
      ['nsfw_flag', /flagged as NSFW/, 1],
      ['expired_url', /answered 403; it has expired.*\(after 2 attempts\)/, 2],
      ['truncated_png', /truncated/, 1],
      ['hung_url', /did not finish within 2 s/, 2],
      ['insecure_url', /is not https/, 1],
    ];
    for (const [id, pattern, attempts] of failures) {
      assert.equal(item(id).status, 'failed', `${id}: ${item(id).status}`);
      assert.match(error(id), pattern, id);
      assert.equal(item(id).attempts, attempts, `${id} attempts`);
    }
    // The SDK's own retries are off: one request per attempt.
    assert.equal(submits('unavailable_retryable').length, 2);
    assert.equal(submits('failed_not_retryable').length, 1);

    // A 429 marked X-Fal-Retryable: true is tried again (fal names no delay; the runner's backoff applies).
    assert.ok(generated(item('rate_limit_once')), error('rate_limit_once'));
    assert.equal(item('rate_limit_once').attempts, 2);
    assert.equal(submits('rate_limit_once').length, 2);
  });

  it('cancels the request in the queue when the item is canceled mid-poll', async () => {
    fake.use(SCENARIO_CASE, 'slow_job');
    const runId = await harness.create('fal', [SCENARIO_CASE], { tool_options: FAST });
    const done = harness.executor.execute(runId);
    const slow = () => [...fake.queue.values()].find((j) => j.scenario === 'slow_job');
    while ((slow()?.polls ?? 0) < 2) await sleep(20);
    await harness.executor.stop(runId, 'cancel');
    await done;
    assert.equal((await harness.items(runId)).get(SCENARIO_CASE)?.status, 'canceled');
    for (let i = 0; i < 100 && fake.canceled.length === 0; i++) await sleep(20);
    assert.deepEqual(fake.canceled, [slow()!.id]);
    assert.ok(
      fake.requests.some(
        (r) => r.method === 'PUT' && r.path === `/fal-ai/nano-banana/requests/${slow()!.id}/cancel`,
      ),
    );
  });

  it('leaves the key nowhere: not in the database, the sidecars, the events or the logs', () => {
    assert.deepEqual(harness.leaks([KEY, 'LEAKCHECK']), []);
  });
});
