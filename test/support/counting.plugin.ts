import { appendFileSync, closeSync, openSync } from 'node:fs';
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
 * `concurrency` calls at once, and each call appends `start <case> <pid> <ms>` and then `done …` to one log
 * file that every process shares, so the log tells how many calls were under way at once across all
 * workers, which worker made each, and when. With `rate_limit_first_ms`, the first call of all (the one
 * that creates the file `log` + `.limited`) answers as a service's 429 would (`limited …`), asking to
 * wait that long.
 */
class CountingTool implements SwapTool {
  readonly name = 'Counting test tool';
  readonly description = 'Returns the template after a delay, logging each call with its process';
  readonly kind = 'local' as const;
  readonly timeoutMs = 30_000;
  readonly options = {};

  constructor(
    readonly id: string,
    private readonly log: string,
    private readonly delayMs: number,
    readonly concurrency: number,
    private readonly rateLimitFirstMs: number,
  ) {}

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const line = (kind: string) =>
      appendFileSync(this.log, `${kind} ${input.caseId} ${process.pid} ${Date.now()}\n`);
    if (this.rateLimitFirstMs > 0 && claim(`${this.log}.limited`)) {
      line('limited');
      return failed(retryable('rate_limited', 'Too many requests (429)', this.rateLimitFirstMs));
    }
    line('start');
    if ((await wait(this.delayMs, input.signal)) === 'aborted')
      return failed(retryable('aborted', 'stopped by signal'));
    line('done');
    return { ok: true, image: input.template, meta: { model: 'counting' } };
  }
}

/** Whether this call is the first to create `file` (across processes). */
function claim(file: string): boolean {
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch {
    return false;
  }
}

export = (context: PluginContext): SwapTool =>
  new CountingTool(
    typeof context.options.id === 'string' ? context.options.id : 'test_counting',
    String(context.options.log),
    Number(context.options.delay_ms ?? 300),
    Number(context.options.concurrency ?? 2),
    Number(context.options.rate_limit_first_ms ?? 0),
  );
