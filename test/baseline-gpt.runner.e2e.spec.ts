import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Test, type TestingModule } from '@nestjs/testing';
import { DemoCasesService } from '../libs/cases/demo-cases.service';
import { RunEventBus } from '../libs/core/event-bus';
import type { RunEvent } from '../libs/core/run-events';
import { RunExecutor } from '../libs/runs/run-executor';
import { RunsModule } from '../libs/runs/runs.module';
import { RunsService } from '../libs/runs/runs.service';
import { FakeOpenAIServer } from './fake-openai/fake-openai.server';
import { databaseText } from './support/database-probe';
import { useTempData } from './support/temp-data';
import { SettingsModule } from '../libs/core/config/settings.module';

/** Recognizable, so that any copy of it anywhere is found. */
const KEY = 'sk-proj-SWAPBENCH-LEAKCHECK-5f4e3d2c1b0a99887766';

/** Every file under `dir`, recursively (images, sidecars, the SQLite file and its journals). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('baseline_gpt through the real runner, against the fake OpenAI server', () => {
  let data: ReturnType<typeof useTempData>;
  let fake: FakeOpenAIServer;
  let moduleRef: TestingModule;
  const events: RunEvent[] = [];
  const logs: string[] = [];
  const savedEnv = { ...process.env };
  const writes = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };

  before(async () => {
    data = useTempData('openai-runner');
    await new DemoCasesService(data.settings).generate();
    fake = await FakeOpenAIServer.start({ apiKey: KEY });
    process.env.OPENAI_API_KEY = KEY;
    process.env.OPENAI_BASE_URL = fake.baseURL;
    // Everything the process prints while the runs go is kept, to look for the key in the logs too.
    process.stdout.write = (chunk: string | Uint8Array, ...rest: never[]) => (
      logs.push(String(chunk)),
      writes.out(chunk, ...rest)
    );
    process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => (
      logs.push(String(chunk)),
      writes.err(chunk, ...rest)
    );
    moduleRef = await Test.createTestingModule({
      imports: [SettingsModule.forRoot(data.settings), RunsModule],
    }).compile();
    await moduleRef.init();
    moduleRef.get(RunEventBus).subscribe((event) => events.push(event));
  });

  after(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    process.env = { ...savedEnv };
    await fake.close();
    data.dispose();
  });

  it('retries a 429 once through the runner, stores the image and metadata, and fails a bad key finally', async () => {
    const runs = moduleRef.get(RunsService);
    const executor = moduleRef.get(RunExecutor);
    const caseId = readdirSync(data.datasets)
      .filter((d) => !d.startsWith('.'))
      .sort()[0];

    // One rate limit with retry-after-ms, then success: the runner, not the SDK, tries again.
    fake.failNext('rate_limit_429_retry_after_ms');
    const { run: ok } = await runs.create({
      case_ids: [caseId],
      tool_ids: ['baseline_gpt'],
      options: { cache: false, retry_base_ms: 10 },
    });
    await executor.execute(ok.id);
    const okItem = (await runs.detail(ok.id)).items[0];
    // Scoring comes after generation and belongs to the evaluator; only generation is under test here.
    const generated =
      ['generated', 'scored'].includes(okItem.status) || /^Scoring failed/.test(okItem.error ?? '');
    assert.ok(generated, `${okItem.status}: ${okItem.error}`);
    assert.equal(okItem.attempts, 2);
    assert.equal(okItem.model, 'gpt-image-1');
    assert.equal(okItem.cost_usd, 0.1774);
    assert.equal(fake.requestsTo('/v1/images/edits').length, 2);
    const sent = fake.requestsTo('/v1/images/edits')[1];
    assert.deepEqual(sent.fields.input_fidelity, ['high']);
    assert.ok(sent.files.length >= 2, 'the template and at least one avatar');
    assert.deepEqual(readFileSync(join(data.runs, okItem.image_path ?? '')), fake.outputImage);
    const sidecar = JSON.parse(
      readFileSync(join(data.runs, (okItem.image_path ?? '').replace(/\.png$/, '.json')), 'utf8'),
    ) as { meta: Record<string, unknown> };
    assert.equal(sidecar.meta.model, 'gpt-image-1');
    assert.ok(sidecar.meta.usage, 'token usage is in the sidecar');

    // The server now refuses the key (and echoes it, as OpenAI does): a final failure after one attempt.
    fake.failNext('auth_401');
    const { run: bad } = await runs.create({
      case_ids: [caseId],
      tool_ids: ['baseline_gpt'],
      options: { cache: false, retry_base_ms: 10 },
    });
    await executor.execute(bad.id);
    const badItem = (await runs.detail(bad.id)).items[0];
    assert.equal(badItem.status, 'failed');
    assert.equal(badItem.attempts, 1);
    assert.match(badItem.error ?? '', /rejected the API key from OPENAI_API_KEY \(401\)/);
    await moduleRef.close();
  });

  it('leaves the key nowhere: not in the database, the runs folder, the events or the logs', async () => {
    const files = filesUnder(data.runs);
    assert.ok(
      data.databaseUrl || files.some((f) => f.endsWith('swapbench.db')),
      'the database is in the runs folder',
    );
    const rows = await databaseText(data);
    assert.ok(rows.includes('baseline_gpt'), 'the rows are read');
    assert.equal(rows.includes('LEAKCHECK'), false, 'the key is in the database');
    assert.ok(
      files.some((f) => f.endsWith('.json')),
      'sidecars were written',
    );
    for (const file of files) assert.equal(readFileSync(file).includes(KEY), false, `the key is in ${file}`);
    // The key's distinctive middle part catches partial copies (OpenAI masks the ends of keys it quotes).
    for (const file of files)
      assert.equal(readFileSync(file).includes('LEAKCHECK'), false, `part of the key is in ${file}`);
    assert.ok(events.some((e) => e.type === 'update' && e.status === 'generated'));
    assert.equal(JSON.stringify(events).includes('LEAKCHECK'), false, 'the key is in an event');
    assert.equal(logs.join('').includes('LEAKCHECK'), false, 'the key is in the logs');
  });
});
