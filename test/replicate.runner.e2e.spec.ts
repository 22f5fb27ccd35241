import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  FakeReplicateServer,
  REPLICATE_THROTTLE_S,
  type ReplicateScenario,
} from './fake-replicate/fake-replicate.server';
import { ReplicateBuiltinTool } from '../libs/tools/replicate/replicate.tool';
import { makeToolInput } from './fake-openai/tool-input.fixture';
import { generated, HostedRunHarness, SCENARIO_CASE } from './support/hosted-runner';

const KEY = 'r8_LEAKCHECK1234567890abcdefABCDEF12345';
const SCENARIOS: ReplicateScenario[] = [
  'ok',
  'ok_at_once',
  'bad_key',
  'no_credit',
  'forbidden',
  'model_not_found',
  'invalid_input',
  'throttled_once',
  'server_error',
  'nsfw',
  'prediction_failed',
  'expired_url',
  'truncated_png',
  'hung_url',
  'insecure_url',
];
const FAST = { poll_interval_ms: 20, wait_s: 1 };
/** A short download limit, only for the scenario whose result URL hangs. */
const options = (s: ReplicateScenario) => ({
  max_attempts: 2,
  tool_options: { replicate: { ...FAST, ...(s === 'hung_url' ? { download_timeout_ms: 1_500 } : {}) } },
});

describe('replicate through the real runner, against the fake Replicate API and the real SDK', () => {
  let fake: FakeReplicateServer;
  let harness: HostedRunHarness;

  before(async () => {
    fake = await new FakeReplicateServer(KEY).listen();
    const config = join(process.env.TMPDIR ?? '/tmp', `swapbench-replicate-config-${process.pid}.json`);
    // A model without a preset, declared with its own input mapping (single-image inputs and an extra).
    writeFileSync(
      config,
      JSON.stringify({
        replicate: [
          {
            id: 'acme_editor',
            name: 'Acme editor',
            model: 'acme/face-editor:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa',
            input: { prompt: 'instruction', image_fields: ['photo', 'face_1'], extra: { steps: 4 } },
          },
        ],
      }),
    );
    harness = await HostedRunHarness.start('replicate', [SCENARIO_CASE], {
      REPLICATE_API_TOKEN: KEY,
      REPLICATE_BASE_URL: fake.baseURL,
      SWAPBENCH_CONFIG: config,
    });
  });

  after(async () => {
    await harness?.close();
    await fake?.close();
  });

  it('uploads, creates with Prefer: wait, polls and downloads, and maps every answer to the right result', async () => {
    const runs = await harness.runEach('replicate', fake, SCENARIOS, options);
    const item = (id: ReplicateScenario) => runs.get(id)!.item;
    const creates = (id: ReplicateScenario) =>
      runs.get(id)!.requests.filter((r) => r.path.endsWith('/predictions'));
    const error = (id: ReplicateScenario) => item(id).error ?? '';

    assert.ok(generated(item('ok')), `${item('ok').status}: ${error('ok')}`);
    assert.equal(item('ok').model, 'google/nano-banana');
    assert.equal(item('ok').cost_usd, 0.039, 'from the price table');
    const [create] = creates('ok');
    assert.equal(create.path, '/v1/models/google/nano-banana/predictions');
    assert.equal(create.headers.authorization, `Bearer ${KEY}`);
    assert.equal(create.headers.prefer, 'wait=1');
    const input = (create.json as { input: Record<string, unknown> }).input;
    assert.equal(input.output_format, 'png');
    assert.equal((input.image_input as string[]).length, 2, 'template and avatar, uploaded as files');
    assert.ok((input.image_input as string[]).every((url) => url.startsWith(`${fake.baseURL}/files/`)));

    // Finished within the held request: no poll at all.
    assert.ok(generated(item('ok_at_once')), error('ok_at_once'));
    const atOnce = [...fake.predictions.values()].find((p) => p.scenario === 'ok_at_once')!;
    assert.equal(fake.requests.filter((r) => r.path === `/v1/predictions/${atOnce.id}`).length, 0);

    const failures: Array<[ReplicateScenario, RegExp, number]> = [
      ['bad_key', /rejected the API key from REPLICATE_API_TOKEN \(401\)/, 1],
      ['no_credit', /no credit or quota left \(402\): You have insufficient credit/, 1],
      ['forbidden', /\(403\): The token \[redacted\] lacks access/, 1],
      ['model_not_found', /no "google\/nano-banana" or no such endpoint .*\(404\)/, 1],
      ['invalid_input', /invalid \(422\): - input\.aspect_ratio/, 1],
      ['server_error', /Replicate failed on its side \(502\).*\(after 2 attempts\)/, 2],
      ['nsfw', /Refused by the model's safety checker on Replicate: NSFW content detected/, 1],
      ['prediction_failed', /Replicate's prediction failed: CUDA out of memory/, 1],
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
    // The SDK's own retries are off: one request per attempt, even for a 502 and a 429.
    assert.equal(creates('server_error').length, 2);

    // "Expected available in 1 second." held the second attempt back a second.
    assert.ok(generated(item('throttled_once')), error('throttled_once'));
    const [first, second] = creates('throttled_once');
    assert.equal(creates('throttled_once').length, 2);
    assert.ok(
      second.at - first.at >= REPLICATE_THROTTLE_S * 1000,
      `retried after ${Math.round(second.at - first.at)} ms`,
    );
  });

  it('runs a config entry with its own input mapping and model version', async () => {
    fake.use(SCENARIO_CASE, 'ok');
    const items = await harness.run('acme_editor', [SCENARIO_CASE], { tool_options: { acme_editor: FAST } });
    const item = items.get(SCENARIO_CASE)!;
    assert.ok(generated(item), `${item.status}: ${item.error}`);
    const create = fake.requests.find((r) => r.path === '/v1/predictions')!;
    const body = create.json as { version: string; input: Record<string, unknown> };
    assert.equal(body.version, '5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa');
    assert.match(String(body.input.instruction), /\[case tc\]/);
    assert.match(String(body.input.photo), /\/v1\/files\//);
    assert.match(String(body.input.face_1), /\/v1\/files\//);
    assert.equal(body.input.steps, 4);
  });

  it('cancels the prediction at the service when the item is canceled mid-poll', async () => {
    fake.use(SCENARIO_CASE, 'slow_job');
    const runId = await harness.create('replicate', [SCENARIO_CASE], { tool_options: { replicate: FAST } });
    const done = harness.executor.execute(runId);
    const slow = () => [...fake.predictions.values()].find((p) => p.scenario === 'slow_job');
    while ((slow()?.polls ?? 0) < 2) await sleep(20);
    await harness.executor.stop(runId, 'cancel');
    await done;
    assert.equal((await harness.items(runId)).get(SCENARIO_CASE)?.status, 'canceled');
    for (let i = 0; i < 100 && fake.canceled.length === 0; i++) await sleep(20);
    assert.deepEqual(fake.canceled, [slow()!.id]);
    assert.equal(slow()!.status, 'canceled');
  });

  it(
    'hands a dropped connection to the runner at once: the SDK does not try again',
    { timeout: 20_000 },
    async () => {
      let connections = 0;
      const dropper = createServer((socket) => {
        connections += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
      const saved = process.env.REPLICATE_BASE_URL;
      process.env.REPLICATE_BASE_URL = `http://127.0.0.1:${(dropper.address() as AddressInfo).port}/v1`;
      const fixture = await makeToolInput(
        { model: 'google/nano-banana', ...FAST, wait_s: 0, download_timeout_ms: 1_000 },
        1,
      );
      try {
        const result = await new ReplicateBuiltinTool().generate(fixture.input);
        assert.equal(result.ok, false);
        assert.deepEqual(!result.ok && [result.failure.code, result.failure.retryable], ['connection', true]);
        assert.equal(connections, 1);
      } finally {
        process.env.REPLICATE_BASE_URL = saved;
        await fixture.cleanup();
        await new Promise<void>((resolve) => dropper.close(() => resolve()));
      }
    },
  );

  it('leaves the token nowhere: not in the database, the sidecars, the events or the logs', () => {
    assert.deepEqual(harness.leaks([KEY, 'LEAKCHECK']), []);
  });
});
