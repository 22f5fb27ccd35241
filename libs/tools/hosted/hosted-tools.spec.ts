import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HOSTED_TOOLS } from './hosted-tools';

const KEYS = [
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'BFL_API_KEY',
  'ARK_API_KEY',
  'REPLICATE_API_TOKEN',
  'FAL_KEY',
];

describe('hosted tools without their keys', () => {
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const name of KEYS) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });
  after(() => {
    for (const name of KEYS) if (saved[name] !== undefined) process.env[name] = saved[name];
  });

  it('are listed unavailable with the variable to set, and fail a call as auth without a request', async () => {
    const expected: Record<string, RegExp> = {
      gemini_image: /^GEMINI_API_KEY or GOOGLE_API_KEY is not set/,
      flux_kontext: /^BFL_API_KEY is not set/,
      seedream: /^ARK_API_KEY is not set/,
      replicate: /^REPLICATE_API_TOKEN is not set/,
      fal: /^FAL_KEY is not set/,
    };
    const tools = HOSTED_TOOLS.map((Tool) => new Tool());
    assert.deepEqual(tools.map((t) => t.id).sort(), Object.keys(expected).sort());
    for (const tool of tools) {
      const availability = await tool.availability();
      assert.equal(availability.available, false, tool.id);
      assert.match(availability.reason ?? '', expected[tool.id], tool.id);
      assert.equal(tool.kind, 'api');
      const result = await tool.generate({
        caseId: 'c',
        templatePath: '/nonexistent',
        template: Buffer.alloc(0),
        avatars: [],
        slots: [],
        prompt: null,
        options: {},
        signal: new AbortController().signal,
      });
      assert.equal(!result.ok && result.failure.code, 'auth', tool.id);
    }
  });

  it('reads GOOGLE_API_KEY when GEMINI_API_KEY is not set', async () => {
    process.env.GOOGLE_API_KEY = 'google-key-123456';
    try {
      const gemini = HOSTED_TOOLS.map((Tool) => new Tool()).find((t) => t.id === 'gemini_image')!;
      assert.deepEqual(await gemini.availability(), { available: true });
    } finally {
      delete process.env.GOOGLE_API_KEY;
    }
  });
});
