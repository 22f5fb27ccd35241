import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import { RunEventBus } from '../../libs/core/event-bus';
import { SwapEvaluator } from '../../libs/evaluator/swap-evaluator';
import type { RunEvent } from '../../libs/core/run-events';
import { RunExecutor } from '../../libs/runs/run-executor';
import type { RunItemView } from '../../libs/runs/run-views';
import { RunsModule } from '../../libs/runs/runs.module';
import { RunsService } from '../../libs/runs/runs.service';
import type { FakeHostedServer, HostedRequest } from '../fake-hosted/fake-hosted.server';
import { filesUnder, writeCase } from './fixtures';
import { ScriptedEvaluator } from './test-tools';
import { settingsFor, useTempData } from './temp-data';
import { SettingsModule } from '../../libs/core/config/settings.module';

export type RunOptions = NonNullable<Parameters<RunsService['create']>[0]['options']>;

/** The one case every scenario runs on: its face analysis is done once, then remembered. */
export const SCENARIO_CASE = 'tc';

/** What one scenario's run gave: its item and the requests the fake received meanwhile. */
export interface ScenarioRun {
  item: RunItemView;
  requests: HostedRequest[];
}

/**
 * The real runner (Nest module, SQLite file, output store, event bus, retries, time limits) over temp
 * data, for driving a hosted tool against its fake service; only the scorer is the scripted one. Each
 * case's prompt carries `[case <id>]`, which the fakes read to pick the scenario. Everything printed,
 * every event and every file is kept to search for keys.
 */
export class HostedRunHarness {
  readonly events: RunEvent[] = [];
  readonly logs: string[] = [];
  private moduleRef!: TestingModule;
  private readonly savedEnv = { ...process.env };
  private readonly writes = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };

  private constructor(readonly data: ReturnType<typeof useTempData>) {}

  /** Writes one small case per id, sets `env`, and starts the runner module. */
  static async start(
    label: string,
    caseIds: readonly string[],
    env: Record<string, string>,
  ): Promise<HostedRunHarness> {
    const harness = new HostedRunHarness(useTempData(label));
    for (const id of caseIds)
      await writeCase(harness.data.datasets, id, 1, { manifest: { prompt: `Swap the face. [case ${id}]` } });
    // Keys and base URLs stay in the environment, where each tool reads them when it calls; the
    // config file's path is a setting.
    const { SWAPBENCH_CONFIG, ...keys } = env;
    Object.assign(process.env, keys);
    const settings = settingsFor(harness.data, { SWAPBENCH_CONFIG });
    process.stdout.write = (chunk: string | Uint8Array, ...rest: never[]) => (
      harness.logs.push(String(chunk)),
      harness.writes.out(chunk, ...rest)
    );
    process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => (
      harness.logs.push(String(chunk)),
      harness.writes.err(chunk, ...rest)
    );
    // Scoring is not under test here, and the face scorer spends seconds on the fakes' faceless images.
    harness.moduleRef = await Test.createTestingModule({
      imports: [SettingsModule.forRoot(settings), RunsModule],
    })
      .overrideProvider(SwapEvaluator)
      .useValue(new ScriptedEvaluator())
      .compile();
    await harness.moduleRef.init();
    harness.moduleRef.get(RunEventBus).subscribe((event) => harness.events.push(event));
    return harness;
  }

  get runs(): RunsService {
    return this.moduleRef.get(RunsService);
  }

  get executor(): RunExecutor {
    return this.moduleRef.get(RunExecutor);
  }

  /** Creates a run of `toolId` over `caseIds` and returns its id, without executing it. */
  async create(toolId: string, caseIds: readonly string[], options: RunOptions = {}): Promise<string> {
    const { run } = await this.runs.create({
      case_ids: [...caseIds],
      tool_ids: [toolId],
      options: { cache: false, retry_base_ms: 10, ...options },
    });
    return run.id;
  }

  /**
   * Runs `toolId` once per scenario, one run after another on the case `SCENARIO_CASE`, with `fake`
   * answering that scenario; `options` may be given per scenario (a short time limit for a hang).
   */
  async runEach<S extends string>(
    toolId: string,
    fake: FakeHostedServer<S>,
    scenarios: readonly S[],
    options: (scenario: S) => RunOptions,
  ): Promise<Map<S, ScenarioRun>> {
    const runs = new Map<S, ScenarioRun>();
    for (const scenario of scenarios) {
      fake.use(SCENARIO_CASE, scenario);
      const from = fake.requests.length;
      const items = await this.run(toolId, [SCENARIO_CASE], options(scenario));
      runs.set(scenario, { item: items.get(SCENARIO_CASE)!, requests: fake.requests.slice(from) });
    }
    return runs;
  }

  /** Runs `toolId` over `caseIds` to the end and returns its items by case id. */
  async run(
    toolId: string,
    caseIds: readonly string[],
    options: RunOptions = {},
  ): Promise<Map<string, RunItemView>> {
    const runId = await this.create(toolId, caseIds, options);
    await this.executor.execute(runId);
    return this.items(runId);
  }

  async items(runId: string): Promise<Map<string, RunItemView>> {
    return new Map((await this.runs.detail(runId)).items.map((item) => [item.case_id, item]));
  }

  /** The sidecar JSON stored beside an item's image. */
  sidecar(item: RunItemView): { meta: Record<string, unknown> } {
    return JSON.parse(
      readFileSync(join(this.data.runs, (item.image_path ?? '').replace(/\.png$/, '.json')), 'utf8'),
    ) as {
      meta: Record<string, unknown>;
    };
  }

  /** Where any of `needles` appears: the runs folder (database, sidecars, images), the events, the logs. */
  leaks(needles: readonly string[]): string[] {
    const found: string[] = [];
    for (const file of filesUnder(this.data.root)) {
      const bytes = readFileSync(join(this.data.root, file));
      for (const needle of needles)
        if (bytes.includes(needle)) found.push(`${needle.slice(0, 12)}… in ${file}`);
    }
    const events = JSON.stringify(this.events);
    const logs = this.logs.join('');
    for (const needle of needles) {
      if (events.includes(needle)) found.push(`${needle.slice(0, 12)}… in the events`);
      if (logs.includes(needle)) found.push(`${needle.slice(0, 12)}… in the logs`);
    }
    return found;
  }

  async close(): Promise<void> {
    process.stdout.write = this.writes.out;
    process.stderr.write = this.writes.err;
    await this.moduleRef?.close();
    process.env = { ...this.savedEnv };
    this.data.dispose();
  }
}

/** True when an item got its image (and the scripted scorer its score). */
export function generated(item: RunItemView | undefined): boolean {
  return item?.status === 'scored' || item?.status === 'generated';
}
