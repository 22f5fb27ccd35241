import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeArkServer, type ArkScenario } from './fake-ark/fake-ark.server';
import { generated, HostedRunHarness, SCENARIO_CASE } from './support/hosted-runner';

const KEY = 'ark-key-LEAKCHECK-3a4b5c6d7e8f90a1b2c3';
const SCENARIOS: ArkScenario[] = [
  'ok',
  'bad_key',
  'forbidden',
  'overdue',
  'input_sensitive',
  'output_sensitive',
  'invalid',
  'model_not_found',
  'rate_limit_once',
  'quota',
  'server_error',
  'not_image',
  'hang_once',
];

describe('seedream through the real runner, against the fake ModelArk API', () => {
  let fake: FakeArkServer;
  let harness: HostedRunHarness;

  before(async () => {
    fake = await new FakeArkServer(KEY).listen();
    harness = await HostedRunHarness.start('ark', [SCENARIO_CASE], {
      ARK_API_KEY: KEY,
      ARK_BASE_URL: fake.baseURL,
    });
  });

  after(async () => {
    await harness?.close();
    await fake?.close();
  });

  it('maps every answer of the service to an image or the right typed failure', async () => {
    const runs = await harness.runEach('seedream', fake, SCENARIOS, (s) => ({
      max_attempts: 2,
      ...(s === 'hang_once' ? { timeout_ms: 1_500 } : {}),
    }));
    const item = (id: ArkScenario) => runs.get(id)!.item;
    const error = (id: ArkScenario) => item(id).error ?? '';

    assert.ok(generated(item('ok')), `${item('ok').status}: ${error('ok')}`);
    assert.equal(item('ok').model, 'seedream-4-0-250828');
    assert.equal(item('ok').cost_usd, 0.03, 'from the price table');
    const sent = runs.get('ok')!.requests[0];
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    const body = sent.json as Record<string, unknown>;
    assert.equal(body.response_format, 'b64_json');
    assert.equal(body.watermark, false);
    assert.equal((body.image as string[]).length, 2, 'the template and the avatar as data URIs');

    const failures: Array<[ArkScenario, RegExp, number]> = [
      ['bad_key', /rejected the API key from ARK_API_KEY \(401\)/, 1],
      ['forbidden', /\(403\): The key \[redacted\] lacks access/, 1],
      ['overdue', /no credit or quota left \(403\).*AccountOverdueError/, 1],
      [
        'input_sensitive',
        /Refused by ModelArk's safety system \(400\).*InputImageSensitiveContentDetected/,
        1,
      ],
      [
        'output_sensitive',
        /Refused by ModelArk's safety system \(400\).*OutputImageSensitiveContentDetected/,
        1,
      ],
      ['invalid', /invalid \(400\): The parameter `size`/, 1],
      ['model_not_found', /\(404\): The model or endpoint seedream-4-0-250828 does not exist/, 1],
      ['quota', /no credit or quota left \(429\).*QuotaExceeded/, 1],
      ['server_error', /ModelArk failed on its side \(500\).*\(after 2 attempts\)/, 2],
      ['not_image', /not an image/, 1],
    ];
    for (const [id, pattern, attempts] of failures) {
      assert.equal(item(id).status, 'failed', `${id}: ${item(id).status}`);
      assert.match(error(id), pattern, id);
      assert.equal(item(id).attempts, attempts, `${id} attempts`);
    }

    assert.ok(generated(item('rate_limit_once')), error('rate_limit_once'));
    const [first, second] = runs.get('rate_limit_once')!.requests;
    assert.ok(second.at - first.at >= 1_000, `retried after ${Math.round(second.at - first.at)} ms`);

    assert.ok(generated(item('hang_once')), error('hang_once'));
    assert.equal(item('hang_once').attempts, 2);
  });

  it('leaves the key nowhere: not in the database, the sidecars, the events or the logs', () => {
    assert.deepEqual(harness.leaks([KEY, 'LEAKCHECK']), []);
  });
});
