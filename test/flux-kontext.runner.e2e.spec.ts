import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { BFL_COST_CREDITS, FakeBflServer, type BflScenario } from './fake-bfl/fake-bfl.server';
import { generated, HostedRunHarness, SCENARIO_CASE } from './support/hosted-runner';

const KEY = 'bfl-key-LEAKCHECK-0f1e2d3c4b5a69788796';
const SCENARIOS: BflScenario[] = [
  'ok',
  'bad_key',
  'no_credits',
  'forbidden',
  'invalid',
  'rate_limit_once',
  'server_error',
  'request_moderated',
  'content_moderated',
  'job_error',
  'task_not_found',
  'expired_url',
  'truncated_png',
  'cut_connection',
  'hung_url',
  'insecure_url',
  'foreign_polling_url',
];
const FAST = { flux_kontext: { poll_interval_ms: 20 } };
/** A short download limit, only for the scenario whose result URL hangs. */
const options = (s: BflScenario) => ({
  max_attempts: 2,
  tool_options: {
    flux_kontext: { poll_interval_ms: 20, ...(s === 'hung_url' ? { download_timeout_ms: 1_500 } : {}) },
  },
});

describe('flux_kontext through the real runner, against the fake Black Forest Labs API', () => {
  let fake: FakeBflServer;
  let harness: HostedRunHarness;

  before(async () => {
    fake = await new FakeBflServer(KEY).listen();
    harness = await HostedRunHarness.start('bfl', [SCENARIO_CASE], {
      BFL_API_KEY: KEY,
      BFL_BASE_URL: fake.baseURL,
    });
  });

  after(async () => {
    await harness?.close();
    await fake?.close();
  });

  it('submits, polls and downloads, and maps every answer to an image or the right typed failure', async () => {
    const runs = await harness.runEach('flux_kontext', fake, SCENARIOS, options);
    const item = (id: BflScenario) => runs.get(id)!.item;
    const error = (id: BflScenario) => item(id).error ?? '';

    assert.ok(generated(item('ok')), `${item('ok').status}: ${error('ok')}`);
    assert.equal(item('ok').attempts, 1);
    assert.equal(item('ok').model, 'flux-kontext-pro');
    assert.equal(item('ok').cost_usd, BFL_COST_CREDITS / 100, 'the cost the service reported, in dollars');
    assert.equal(harness.sidecar(item('ok')).meta.costSource, 'reported');
    const submit = runs.get('ok')!.requests[0];
    assert.equal(submit.path, '/v1/flux-kontext-pro');
    assert.equal(submit.headers['x-key'], KEY);
    const body = submit.json as Record<string, unknown>;
    assert.equal(body.output_format, 'png');
    assert.ok(Buffer.from(String(body.input_image), 'base64').length > 100, 'the template, base64');
    assert.ok(Buffer.from(String(body.input_image_2), 'base64').length > 100, 'the avatar, base64');
    assert.equal(body.input_image_3, undefined);

    const failures: Array<[BflScenario, RegExp, number]> = [
      ['bad_key', /rejected the API key from BFL_API_KEY \(401\)/, 1],
      ['no_credits', /no credit or quota left \(402\): Insufficient credits/, 1],
      ['forbidden', /\(403\): Key \[redacted\] lacks access/, 1],
      ['invalid', /invalid \(422\): Input should be less than or equal to 6/, 1],
      ['server_error', /failed on its side \(500\).*\(after 2 attempts\)/, 2],
      [
        'request_moderated',
        /Refused by Black Forest Labs' moderation \(Request Moderated\).*Derivative Works/,
        1,
      ],
      ['content_moderated', /moderation \(Content Moderated\).*NSFW/, 1],
      ['job_error', /job ended with Error.*Generation failed.*\(after 2 attempts\)/, 2],
      ['task_not_found', /no longer knows the job \(Task not found\)/, 1],
      [
        'expired_url',
        /result URL http:\/\/127\.0\.0\.1:\d+\/results\/\S+\.png answered 403; it has expired/,
        2,
      ],
      ['truncated_png', /truncated/, 1],
      ['cut_connection', /broke off/, 2],
      ['hung_url', /did not finish within 2 s/, 2],
      ['insecure_url', /result URL http:\/\/203\.0\.113\.9\/results\/\S+ is not https/, 1],
    ];
    for (const [id, pattern, attempts] of failures) {
      assert.equal(item(id).status, 'failed', `${id}: ${item(id).status}`);
      assert.match(error(id), pattern, id);
      assert.equal(item(id).attempts, attempts, `${id} attempts`);
    }
    // The signed URL's signature never reaches a message.
    assert.doesNotMatch(error('expired_url'), /X-Signature|secret-signature/);
    assert.equal(fake.requests.filter((r) => r.path.startsWith('/results/')).length > 0, true);

    // Retry-After: 1 held the second submission back a second.
    assert.ok(generated(item('rate_limit_once')), error('rate_limit_once'));
    const [first, second] = runs.get('rate_limit_once')!.requests.filter((r) => r.method === 'POST');
    assert.ok(second.at - first.at >= 1_000, `retried after ${Math.round(second.at - first.at)} ms`);

    // A polling URL on a host that is neither the service's nor local is not followed with the key:
    // the job is polled at the base URL's get_result instead, and succeeds.
    assert.ok(generated(item('foreign_polling_url')), error('foreign_polling_url'));
  });

  it('stops polling when the item is canceled (BFL has no cancel endpoint)', async () => {
    fake.use(SCENARIO_CASE, 'slow_job');
    const runId = await harness.create('flux_kontext', [SCENARIO_CASE], { tool_options: FAST });
    const done = harness.executor.execute(runId);
    const polls = () =>
      fake.requests.filter(
        (r) => r.path === '/v1/get_result' && fake.jobs.get(r.query.get('id') ?? '')?.scenario === 'slow_job',
      ).length;
    while (polls() < 2) await sleep(20);
    await harness.executor.stop(runId, 'cancel');
    await done;
    const item = (await harness.items(runId)).get(SCENARIO_CASE)!;
    assert.equal(item.status, 'canceled');
    const after = polls();
    await sleep(200);
    assert.equal(polls(), after, 'no poll after the cancel');
  });

  it('leaves the key nowhere: not in the database, the sidecars, the events or the logs', () => {
    assert.deepEqual(harness.leaks([KEY, 'LEAKCHECK']), []);
  });
});
