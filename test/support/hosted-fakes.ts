import { randomBytes } from 'node:crypto';
import { FakeArkServer } from '../fake-ark/fake-ark.server';
import { FakeBflServer } from '../fake-bfl/fake-bfl.server';
import { FakeFalServer } from '../fake-fal/fake-fal.server';
import { FakeGeminiServer } from '../fake-gemini/fake-gemini.server';
import type { FakeHostedServer } from '../fake-hosted/fake-hosted.server';
import { FakeReplicateServer } from '../fake-replicate/fake-replicate.server';

/** The hosted tools of docs/tools.md with the variable each reads its key from. */
export const HOSTED_KEY_ENV = {
  gemini_image: 'GEMINI_API_KEY',
  flux_kontext: 'BFL_API_KEY',
  seedream: 'ARK_API_KEY',
  replicate: 'REPLICATE_API_TOKEN',
  fal: 'FAL_KEY',
} as const;

export type HostedToolId = keyof typeof HOSTED_KEY_ENV;

/**
 * Every hosted service's fake, each with a fresh recognizable key, answering `ok` unless told otherwise
 * per case, and finishing jobs on the first poll so that default poll intervals cost nothing.
 */
export class HostedFakes {
  private constructor(
    readonly keys: Record<HostedToolId, string>,
    readonly servers: {
      gemini_image: FakeGeminiServer;
      flux_kontext: FakeBflServer;
      seedream: FakeArkServer;
      replicate: FakeReplicateServer;
      fal: FakeFalServer;
    },
  ) {}

  static async start(): Promise<HostedFakes> {
    const secret = (prefix: string) => `${prefix}-HOSTED-SECRET-${randomBytes(12).toString('hex')}`;
    const keys: Record<HostedToolId, string> = {
      gemini_image: secret('AIza'),
      flux_kontext: secret('bfl'),
      seedream: secret('ark'),
      replicate: secret('r8'),
      fal: secret('fal'),
    };
    const servers = {
      gemini_image: await new FakeGeminiServer(keys.gemini_image).listen(),
      flux_kontext: await new FakeBflServer(keys.flux_kontext).listen(),
      seedream: await new FakeArkServer(keys.seedream).listen(),
      replicate: await new FakeReplicateServer(keys.replicate).listen(),
      fal: await new FakeFalServer(keys.fal).listen(),
    };
    servers.flux_kontext.pendingPolls = 0;
    servers.replicate.pendingPolls = 0;
    servers.fal.pendingPolls = 0;
    return new HostedFakes(keys, servers);
  }

  get toolIds(): HostedToolId[] {
    return Object.keys(HOSTED_KEY_ENV) as HostedToolId[];
  }

  /** Keys and base URLs for the environment of the server or the CLI. */
  env(): Record<string, string> {
    const s = this.servers;
    return {
      ...Object.fromEntries(this.toolIds.map((id) => [HOSTED_KEY_ENV[id], this.keys[id]])),
      GEMINI_BASE_URL: s.gemini_image.baseURL,
      BFL_BASE_URL: s.flux_kontext.baseURL,
      ARK_BASE_URL: s.seedream.baseURL,
      REPLICATE_BASE_URL: s.replicate.baseURL,
      FAL_QUEUE_URL: s.fal.queueURL,
    };
  }

  /**
   * Tells every fake to answer `scenario` for `caseId`: a wrong key, a 403 that quotes the key, or its
   * service's own safety refusal.
   */
  answer(caseId: string, scenario: 'bad_key' | 'forbidden' | 'refused'): void {
    const s = this.servers;
    if (scenario === 'refused') {
      s.gemini_image.cases[caseId] = 'image_safety';
      s.flux_kontext.cases[caseId] = 'content_moderated';
      s.seedream.cases[caseId] = 'output_sensitive';
      s.replicate.cases[caseId] = 'nsfw';
      s.fal.cases[caseId] = 'content_policy';
      return;
    }
    for (const server of Object.values(s) as Array<FakeHostedServer<string>>) server.cases[caseId] = scenario;
  }

  /** Every header value the fakes received that carried a key, to prove the keys were really sent. */
  receivedCredentials(): string[] {
    return (Object.values(this.servers) as Array<FakeHostedServer<string>>).flatMap((server) =>
      server.requests.flatMap((r) =>
        [r.headers['x-goog-api-key'], r.headers['x-key'], r.headers.authorization].filter(
          (v): v is string => typeof v === 'string',
        ),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.servers).map((s: FakeHostedServer<string>) => s.close()));
  }
}
