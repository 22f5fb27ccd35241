import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { UserError } from '../../libs/core/user-error';

/**
 * Nest's logger for the CLI: every line goes to stderr, so stdout carries only the command's output
 * (`--json` stays parseable with SWAPBENCH_DEBUG), and a UserError at start-up is left to `main`, which
 * reports it plainly instead of with a stack trace.
 */
export class CliLogger extends ConsoleLogger {
  override error(message: unknown, ...rest: unknown[]): void {
    if (message instanceof UserError) return;
    super.error(message, ...rest);
  }

  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}
