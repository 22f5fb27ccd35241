import { appendFileSync } from 'node:fs';
import type { PluginContext } from '../../libs/tools/config/plugin.loader';
import {
  failed,
  retryable,
  type SwapTool,
  type ToolAvailability,
  type ToolInput,
  type ToolResult,
} from '../../libs/tools/tool';
import { wait } from './test-tools';

/**
 * A plugin tool for team mode's tests, loaded by each worker through `plugins` in a config file: it allows
 * `concurrency` calls at once, and each call appends `start <case> <pid>` and then `done <case> <pid>` to
 * one log file that every process shares, so the log tells how many calls were under way at once across
 * all workers, and which worker made each.
 */
class CountingTool implements SwapTool {
  readonly id = 'test_counting';
  readonly name = 'Counting test tool';
  readonly description = 'Returns the template after a delay, logging each call with its process';
  readonly kind = 'local' as const;
  readonly timeoutMs = 30_000;
  readonly options = {};

  constructor(
    private readonly log: string,
    private readonly delayMs: number,
    readonly concurrency: number,
  ) {}

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    appendFileSync(this.log, `start ${input.caseId} ${process.pid}\n`);
    if ((await wait(this.delayMs, input.signal)) === 'aborted')
      return failed(retryable('aborted', 'stopped by signal'));
    appendFileSync(this.log, `done ${input.caseId} ${process.pid}\n`);
    return { ok: true, image: input.template, meta: { model: 'counting' } };
  }
}

export = (context: PluginContext): SwapTool =>
  new CountingTool(
    String(context.options.log),
    Number(context.options.delay_ms ?? 300),
    Number(context.options.concurrency ?? 2),
  );
