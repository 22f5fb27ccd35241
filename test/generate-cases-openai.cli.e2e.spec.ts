import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { planSyntheticCase } from '../libs/authoring/synthetic-people';
import { FakeOpenAIServer, type RecordedRequest } from './fake-openai/fake-openai.server';
import { duoPhoto, sourcePhoto } from './support/bad-images';
import { cliEnv, swapbench } from './support/cli';
import { makeTempData, solidPng } from './support/fixtures';

// `swapbench generate-cases --generator openai` against the fake OpenAI server: scenes and portraits are
// photos whose face count the fake picks from the prompt, so the real face detector decides what is kept.

const data = makeTempData('synthetic');
let fake: FakeOpenAIServer;
let scenes: Record<number, Buffer>;
let portrait: Buffer;
let blank: Buffer;
/** Requests (counted from 1) the fake answers with a picture of nobody. */
let blankRequests = new Set<number>();

const env = (datasets: string, key = 'sk-test-synthetic') =>
  cliEnv(
    { ...data, datasets: join(data.root, datasets) },
    { OPENAI_API_KEY: key, OPENAI_BASE_URL: fake.baseURL },
  );
const generations = () => fake.requestsTo('/v1/images/generations');
const promptOf = (r: RecordedRequest) => String((r.json as { prompt?: string }).prompt);

/** Picks the image the fake answers with from the prompt of the request it is answering. */
function imageFor(request: RecordedRequest | undefined): Buffer {
  if (!request) return blank;
  if (blankRequests.has(fake.requests.length)) return blank;
  const prompt = promptOf(request);
  if (/portrait/.test(prompt)) return portrait;
  const people = /exactly (one person|(\d) people)/.exec(prompt);
  return scenes[people?.[2] ? Number(people[2]) : 1];
}

before(async () => {
  const astronaut = sourcePhoto('astronaut.png');
  const trio = await sharp({ create: { width: 1536, height: 512, channels: 3, background: '#777' } })
    .composite([
      { input: astronaut, left: 0, top: 0 },
      {
        input: await sharp(sourcePhoto('grace_hopper.jpg')).resize({ height: 512 }).toBuffer(),
        left: 512,
        top: 0,
      },
      { input: await sharp(astronaut).flop().toBuffer(), left: 1024, top: 0 },
    ])
    .png()
    .toBuffer();
  scenes = { 1: astronaut, 2: await duoPhoto(), 3: trio };
  portrait = await sharp(sourcePhoto('grace_hopper.jpg')).png().toBuffer();
  blank = await solidPng(256, 256, 9);
  fake = await FakeOpenAIServer.start();
  // The fake answers every image request with `outputImage`; read it per request instead.
  Object.defineProperty(fake, 'outputImage', {
    get: () => imageFor(fake.requests.at(-1)),
    configurable: true,
  });
});

after(async () => {
  await fake.close();
  data.cleanup();
});

describe('generate-cases --generator openai', () => {
  test('synthesizes cases of 1–3 fictional people with a different person per avatar, recorded as synthetic', async () => {
    const result = await swapbench(
      ['generate-cases', '--generator', 'openai', '--count', '3', '--seed', '4'],
      env('ds'),
      120_000,
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const plans = [0, 1, 2].map((i) => planSyntheticCase(4, i));
    assert.match(result.stdout, /3 of 3 synthetic cases written/);
    const ids = readdirSync(join(data.root, 'ds')).sort();
    assert.deepEqual(ids, ['synth_0001', 'synth_0002', 'synth_0003']);
    ids.forEach((id, i) => {
      const manifest = JSON.parse(readFileSync(join(data.root, 'ds', id, 'case.json'), 'utf8'));
      assert.match(manifest.source, /^synthetic: generated with the OpenAI image API \(model gpt-image-1\)/);
      assert.ok(manifest.tags.includes('synthetic'));
      assert.equal(manifest.slots.length, plans[i].people.length);
    });
    const people = plans.reduce((n, p) => n + p.people.length, 0);
    assert.equal(generations().length, 3 + people, 'one scene per case and one portrait per person');
    const prompts = generations().map(promptOf);
    for (const plan of plans) {
      for (const [k, avatar] of plan.avatars.entries()) {
        assert.notEqual(avatar, plan.people[k], 'the avatar is another person than the one in the scene');
        assert.ok(prompts.some((p) => p.includes(avatar) && /portrait/.test(p)));
      }
      assert.ok(prompts.some((p) => plan.people.every((person) => p.includes(person))));
    }
    assert.equal(generations()[0].json && (generations()[0].json as { size: string }).size, '1536x1024');
    assert.ok(generations().every((r) => r.authorization === 'Bearer sk-test-synthetic'));

    const validate = await swapbench(['cases', 'validate'], env('ds'));
    assert.equal(validate.code, 0, validate.stdout);
    // A second suite continues the numbering and never replaces the first.
    const more = await swapbench(
      ['generate-cases', '--generator', 'openai', '--count', '1', '--seed', '4'],
      env('ds'),
      60_000,
    );
    assert.equal(more.code, 0, more.stderr);
    assert.match(more.stdout, /^wrote synth_0004 /m);
  });

  test('generates again when the face count is wrong, and skips the case (reporting why) when it stays wrong', async () => {
    const n = planSyntheticCase(11, 0).people.length;
    fake.requests.length = 0;
    blankRequests = new Set([1]);
    const retried = await swapbench(
      ['generate-cases', '--generator', 'openai', '--count', '1', '--seed', '11'],
      env('ds_retry'),
      60_000,
    );
    assert.equal(retried.code, 0, retried.stdout + retried.stderr);
    assert.match(
      retried.stdout,
      new RegExp(`case 1: the scene showed 0 faces, not ${n}; generating it again`),
    );
    assert.match(retried.stdout, /^wrote synth_0001/m);

    fake.requests.length = 0;
    blankRequests = new Set([1, 2, 3, 4]);
    const skipped = await swapbench(
      ['generate-cases', '--generator', 'openai', '--count', '1', '--seed', '11', '--attempts', '1'],
      env('ds_skip'),
      60_000,
    );
    assert.equal(skipped.code, 1);
    assert.match(
      skipped.stdout,
      new RegExp(`skipped case 1: the scene showed 0 faces, not ${n} \\(after 1 attempt\\)`),
    );
    assert.match(skipped.stdout, /0 of 1 synthetic case written .*; 1 skipped/);
    assert.equal(existsSync(join(data.root, 'ds_skip')), false, 'nothing written for a skipped case');
    blankRequests = new Set();
  });

  test('stops with exit 2 on a missing or rejected key, never printing the key', async () => {
    const noKey = await swapbench(
      ['generate-cases', '--generator', 'openai', '--count', '1'],
      env('ds_nokey', ''),
    );
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /OPENAI_API_KEY is not set/);

    fake.failNext('auth_401');
    const rejected = await swapbench(
      ['generate-cases', '--generator', 'openai', '--count', '2'],
      env('ds_auth', 'sk-wrong-key-123'),
    );
    assert.equal(rejected.code, 2);
    assert.match(rejected.stderr, /rejected the API key from OPENAI_API_KEY \(401\)/);
    assert.doesNotMatch(rejected.stdout + rejected.stderr, /sk-wrong-key-123/);
  });

  test('refuses bad options with exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--generator', 'openai'], /--count must be a whole number from 1 to 500/],
      [['--generator', 'midjourney', '--count', '1'], /unknown generator "midjourney"/],
      [['--count', '3'], /--count applies to --generator openai/],
      [['--generator', 'openai', '--count', '1', '--from', '.'], /either --from or --generator/],
    ];
    for (const [args, pattern] of cases) {
      const result = await swapbench(['generate-cases', ...args], env('ds_bad'));
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
    }
  });
});
