import 'reflect-metadata';
import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { config as loadDotenv } from 'dotenv';
import { CommandFactory } from 'nest-commander';
import { packageVersion } from '../../libs/core/package-root';
import { UserError } from '../../libs/core/user-error';
import { CliModule } from './cli.module';

/**
 * Nest's logger for the CLI: every line goes to stderr, so stdout carries only the command's output
 * (`--json` stays parseable with SWAPBENCH_DEBUG), and a UserError at start-up is left to `main`, which
 * reports it plainly instead of with a stack trace.
 */
class CliLogger extends ConsoleLogger {
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

/** Exit codes: 0 ok, 1 the run did not meet `--fail-under` or had failures asked to fail, 2 bad input. */
async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  await CommandFactory.run(CliModule, {
    cliName: 'swapbench',
    version: packageVersion(),
    logger: new CliLogger({ logLevels: process.env.SWAPBENCH_DEBUG ? ['error', 'warn', 'log'] : ['error'] }),
    // Errors while the modules start (an unusable runs folder, a broken config file) reach `main`.
    abortOnError: false,
    errorHandler: (error) => {
      // Commander's own errors (unknown option, missing argument) are already printed.
      const code = (error as { exitCode?: number }).exitCode ?? 2;
      process.exit(code === 0 ? 0 : 2);
    },
    serviceErrorHandler: (error) => {
      if (error instanceof UserError) {
        process.stderr.write(`swapbench: ${error.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`swapbench: unexpected error: ${error.stack ?? error.message}\n`);
      process.exit(1);
    },
  });
}

main().catch((error: Error) => {
  if (error instanceof UserError) {
    process.stderr.write(`swapbench: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`swapbench: unexpected error: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
