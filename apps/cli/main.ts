import 'reflect-metadata';
import type { LogLevel } from '@nestjs/common';
import { config as loadDotenv } from 'dotenv';
import { parseSettings } from '../../libs/core/config/swapbench-settings';
import { packageVersion } from '../../libs/core/package-root';
import { exitOnError } from '../../libs/core/user-error';
import { answerHelp, isHelpRequest } from './help-door';
import { isDbRequest } from './commands/db.options';
import { isServeRequest } from './commands/serve.options';
import { isWorkerRequest } from './commands/worker.options';

/**
 * Exit codes (docs/cli.md §3): 0 ok, 1 a gate not met, 2 bad input, 3 a run with no score, 130 interrupted.
 *
 * The door is chosen from the arguments before any Nest container exists: `--help`, `--version` and no
 * command at all are answered from the commands' definitions alone (no module loaded, no file touched);
 * `serve` builds the server's application only; every other command runs in the CLI's container. Each door's
 * modules are loaded only when it is chosen: the web server's stack is no part of a `run`'s start-up.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (isHelpRequest(args)) answerHelp(args);
  loadDotenv({ quiet: true });
  const settings = parseSettings(process.env);
  const verbose: LogLevel[] = ['error', 'warn', 'log'];
  const { CliLogger } = await import('./cli-logger.js');
  if (isServeRequest(args)) {
    const { serve } = await import('./serve-door.js');
    // A server's warnings are worth seeing; a command's are noise unless asked for.
    await serve(args, settings, new CliLogger({ logLevels: settings.debug ? verbose : ['error', 'warn'] }));
    return;
  }
  if (isWorkerRequest(args)) {
    const { work } = await import('./worker-door.js');
    await work(args, settings, new CliLogger({ logLevels: settings.debug ? verbose : ['error', 'warn'] }));
    return;
  }
  if (isDbRequest(args)) {
    const { migrate } = await import('./db-door.js');
    await migrate(args, settings);
    return;
  }
  const levels: LogLevel[] = settings.debug ? verbose : ['error'];
  const { CliModule } = await import('./cli.module.js');
  const { CommandFactory } = await import('nest-commander');
  const { withSettings } = await import('../../libs/core/config/settings.module.js');
  await CommandFactory.run(withSettings(CliModule, settings), {
    cliName: 'swapbench',
    version: packageVersion(),
    logger: new CliLogger({ logLevels: levels }),
    // Errors while the modules start (an unusable runs folder, a broken config file) reach `main`.
    abortOnError: false,
    errorHandler: (error) => {
      // Commander's own errors (unknown option, missing argument) are already printed.
      const code = (error as { exitCode?: number }).exitCode ?? 2;
      process.exit(code === 0 ? 0 : 2);
    },
    serviceErrorHandler: exitOnError,
  });
}

main().catch(exitOnError);
