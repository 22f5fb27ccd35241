import { appendFileSync } from 'node:fs';
import type { PluginContext } from '../../libs/tools/config/plugin.loader';
import type { SwapTool, ToolAvailability, ToolInput, ToolResult } from '../../libs/tools/tool';

/**
 * A plugin tool for suite tests, loaded by the real CLI through `plugins` in a config file. Each call
 * appends one JSON line `{case_id, sample, options}` to the log file and returns the template: the log
 * shows which options (and which seed) reached the tool for which item.
 */
class OptionRecorderTool implements SwapTool {
  readonly id = 'test_recorder';
  readonly name = 'Option-recording test tool';
  readonly description = 'Returns the template, logging the options of each call';
  readonly kind = 'local' as const;
  readonly concurrency = 2;
  readonly timeoutMs = 30_000;
  readonly options = {
    seed: { type: 'number', default: 0, description: 'random seed', integer: true },
    strength: { type: 'number', default: 1, description: 'how strong', min: 0, max: 10 },
    style: { type: 'string', default: 'plain', description: 'look', choices: ['plain', 'vivid'] },
  } as const;

  constructor(private readonly log: string) {}

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  generate(input: ToolInput): Promise<ToolResult> {
    appendFileSync(
      this.log,
      JSON.stringify({ case_id: input.caseId, sample: input.sample, options: input.options }) + '\n',
    );
    return Promise.resolve({ ok: true, image: input.template, meta: { model: 'recorder' } });
  }
}

export = (context: PluginContext): SwapTool => new OptionRecorderTool(String(context.options.log));
