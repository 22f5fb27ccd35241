import 'reflect-metadata';
import { config as loadDotenv } from 'dotenv';
import { CommandFactory } from 'nest-commander';
import { UserError } from '../../libs/core/user-error';
import { CliModule } from './cli.module';

/** Exit codes: 0 ok, 1 the run did not meet `--fail-under` or had failures asked to fail, 2 bad input. */
async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  await CommandFactory.run(CliModule, {
    cliName: 'swapbench',
    logger: process.env.SWAPBENCH_DEBUG ? ['error', 'warn', 'log'] : ['error'],
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

void main();
