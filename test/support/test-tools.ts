import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import type { TestCase } from '../../libs/cases/test-case';
import { SettingsModule } from '../../libs/core/config/settings.module';
import type { SwapbenchSettings } from '../../libs/core/config/swapbench-settings';
import { RunsModule } from '../../libs/runs/runs.module';
import { SwapEvaluator, type KnownOutput, type SwapScore } from '../../libs/evaluator/swap-evaluator';
import {
  failed,
  retryable,
  type SwapTool,
  type ToolAvailability,
  type ToolInput,
  type ToolResult,
} from '../../libs/tools/tool';
import { Tool } from '../../libs/tools/tool.decorator';

/**
 * Real SwapTool implementations used only by tests. Each records its calls and how many ran at once, and
 * does what the test scripts it to do (succeed after a delay, fail N times, hang, throw, ...).
 */

/** One call of a tool, as the tool saw it. */
export interface ToolCall {
  caseId: string;
  /** `performance.now()` when the call started. */
  at: number;
}

/** What a scripted tool does on its `n`-th call (1-based, counted over the tool's life). */
export type Behavior = (input: ToolInput, n: number) => Promise<ToolResult>;

let pngCache: Promise<Buffer> | null = null;

/** A small, whole PNG. */
export function tinyPng(): Promise<Buffer> {
  pngCache ??= sharp({ create: { width: 8, height: 8, channels: 3, background: '#c04020' } })
    .png()
    .toBuffer();
  return pngCache;
}

/** Waits `ms` or until the signal fires; says which happened. */
export function wait(ms: number, signal?: AbortSignal): Promise<'elapsed' | 'aborted'> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve('aborted');
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve('elapsed');
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve('aborted');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Succeeds after `ms`, or reports a retryable failure when aborted first (as a well-behaved tool does). */
export function succeedAfter(ms: number): Behavior {
  return async (input) => {
    if ((await wait(ms, input.signal)) === 'aborted')
      return failed(retryable('aborted', 'stopped by signal'));
    return { ok: true, image: await tinyPng(), meta: { model: 'test-model', costUsd: 0.01 } };
  };
}

/** Fails the first `times` calls with `failure`, then behaves like `then`. */
export function failFirst(
  times: number,
  failure: () => ToolResult,
  then: Behavior = succeedAfter(1),
): Behavior {
  return async (input, n) => (n <= times ? failure() : then(input, n));
}

/** Never answers until aborted, then returns a failure (honours the signal). */
export const hangUntilAborted: Behavior = async (input) => {
  await wait(60 * 60 * 1000, input.signal);
  return failed(retryable('aborted', 'stopped by signal'));
};

/** Never answers at all, whatever the signal says (a badly written tool). */
export const ignoreSignalForever: Behavior = () => new Promise<ToolResult>(() => undefined);

/** In-flight calls over every scripted tool of the process, to check the run's global limit. */
export const allTools = { inFlight: 0, maxInFlight: 0 };

/** Base of the scripted tools: counts calls and in-flight calls, then runs the scripted behaviour. */
export abstract class ScriptedTool implements SwapTool {
  abstract readonly id: string;
  abstract readonly concurrency: number;
  readonly description = 'Scripted tool for tests';
  readonly kind = 'local' as const;
  readonly timeoutMs = 10_000;
  readonly options = {
    flavour: { type: 'string', default: 'plain', description: 'test option', choices: ['plain', 'spicy'] },
    level: { type: 'number', default: 1, description: 'test option', min: 0, max: 5, integer: true },
  } as const;
  get name(): string {
    return `Scripted ${this.id}`;
  }

  calls: ToolCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  behavior: Behavior = succeedAfter(1);

  /** Forgets earlier calls and sets what the next calls do. */
  script(behavior: Behavior): this {
    this.calls = [];
    this.inFlight = 0;
    this.maxInFlight = 0;
    allTools.inFlight = 0;
    allTools.maxInFlight = 0;
    this.behavior = behavior;
    return this;
  }

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    this.calls.push({ caseId: input.caseId, at: performance.now() });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    allTools.inFlight++;
    allTools.maxInFlight = Math.max(allTools.maxInFlight, allTools.inFlight);
    try {
      return await this.behavior(input, this.calls.length);
    } finally {
      this.inFlight--;
      allTools.inFlight--;
    }
  }
}

/** A tool that allows many calls at once (the run's limit is what binds). */
@Tool()
@Injectable()
export class WideTool extends ScriptedTool {
  readonly id: string = 'test_wide';
  readonly concurrency = 16;
}

/** A second wide tool, to check that the run limit binds across tools. */
@Tool()
@Injectable()
export class OtherWideTool extends ScriptedTool {
  readonly id: string = 'test_wide_other';
  readonly concurrency = 16;
}

/** A tool whose own limit (2) is below any run limit the tests use. */
@Tool()
@Injectable()
export class NarrowTool extends ScriptedTool {
  readonly id: string = 'test_narrow';
  readonly concurrency = 2;
}

export const TEST_TOOLS = [WideTool, OtherWideTool, NarrowTool];

/**
 * A deterministic evaluator for runner tests (the face-analysis one needs faces and worker threads):
 * scores every output `score` (50 unless a test changes it, e.g. with `version` to play a new scorer),
 * or throws for the cases it is told to.
 */
export class ScriptedEvaluator extends SwapEvaluator {
  version = 'scripted-1';
  score = 50;
  evaluated: string[] = [];
  /** The output digest each `evaluate` was handed (`KnownOutput.digest`), in order. */
  digests: Array<string | undefined> = [];
  /** Cases asked about with `unscorable`, in order. */
  checked: string[] = [];
  failFor = new Set<string>();
  /** Cases reported as unscorable, as the face lookup would for a slot without a face. */
  unscorableFor = new Set<string>();

  unscorable(testCase: TestCase): Promise<string[]> {
    this.checked.push(testCase.id);
    return Promise.resolve(
      this.unscorableFor.has(testCase.id)
        ? [`No face found in the template at slot ${testCase.slots[0].id}`]
        : [],
    );
  }

  /** While set, every score waits for it (a slow scorer). */
  hold: Promise<void> | null = null;

  async evaluate(
    testCase: TestCase,
    outputPath: string,
    _signal?: AbortSignal,
    known?: KnownOutput,
  ): Promise<SwapScore> {
    this.evaluated.push(testCase.id);
    this.digests.push(known?.digest);
    if (this.hold) await this.hold;
    if (this.failFor.has(testCase.id)) throw new Error(`no face in ${testCase.id}`);
    if (!existsSync(outputPath)) throw new Error(`output ${outputPath} is missing`);
    return { score: this.score, breakdown: { test: this.score / 100 } };
  }

  reset(): void {
    this.hold = null;
    this.version = 'scripted-1';
    this.score = 50;
    this.evaluated = [];
    this.digests = [];
    this.checked = [];
    this.failFor.clear();
    this.unscorableFor.clear();
  }
}

/**
 * The runs module on a test's folders, with the scripted tools and `evaluator` in place of face analysis:
 * what the runner's specs drive.
 */
export async function runsTestModule(
  settings: SwapbenchSettings,
  evaluator: SwapEvaluator,
): Promise<TestingModule> {
  const app = await Test.createTestingModule({
    imports: [SettingsModule.forRoot(settings), RunsModule],
    providers: TEST_TOOLS,
  })
    .overrideProvider(SwapEvaluator)
    .useValue(evaluator)
    .compile();
  await app.init();
  return app;
}
