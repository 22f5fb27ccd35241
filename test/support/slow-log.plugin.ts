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
 * A plugin tool for crash tests, loaded by the real CLI through `plugins` in a config file. Each call
 * appends `start <case>` to the log file, waits `delay_ms` (honouring the abort signal), appends
 * `done <case>` and returns the template: the log tells which items were generated, and how often.
 */
class SlowLogTool implements SwapTool {
  readonly id = 'test_slow_log';
  readonly name = 'Slow logging test tool';
  readonly description = 'Returns the template after a delay, logging each call';
  readonly kind = 'local' as const;
  readonly concurrency = 1;
  readonly timeoutMs = 30_000;
  readonly options = {};

  constructor(
    private readonly log: string,
    private readonly delayMs: number,
  ) {}

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    appendFileSync(this.log, `start ${input.caseId}\n`);
    if ((await wait(this.delayMs, input.signal)) === 'aborted')
      return failed(retryable('aborted', 'stopped by signal'));
    appendFileSync(this.log, `done ${input.caseId}\n`);
    return { ok: true, image: input.template, meta: { model: 'slow-log' } };
  }
}

export = (context: PluginContext): SwapTool =>
  new SlowLogTool(String(context.options.log), Number(context.options.delay_ms ?? 300));
