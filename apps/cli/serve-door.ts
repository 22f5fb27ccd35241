import type { INestApplication, LoggerService } from '@nestjs/common';
import { Command } from 'commander';
import { CasesService } from '../../libs/cases/cases.service';
import { DemoCasesService } from '../../libs/cases/demo-cases.service';
import type { SwapbenchSettings } from '../../libs/core/config/swapbench-settings';
import { UserError } from '../../libs/core/user-error';
import { isLoopbackAddress, openBindNote, openBindRefusal } from '../../libs/web/http/local-only';
import { serverUrl, startServer } from '../server/bootstrap';
import { parseWholeNumber } from './cli-args';
import { SERVE_COMMAND, SERVE_OPTIONS, type ServeFlags } from './commands/serve.options';

/**
 * `swapbench serve`: the server's application and nothing else in this process — no CLI container, so one
 * database connection, one set of tools and plugins, one event bus. Resolves once the server listens;
 * the open server keeps the process alive until it is stopped.
 */
export async function serve(
  args: string[],
  settings: SwapbenchSettings,
  logger: LoggerService,
): Promise<void> {
  const flags = parseServeFlags(args);
  const port = flags.port === undefined ? 8000 : parseWholeNumber(flags.port, '--port', 0, 65535);
  const host = flags.host ?? '127.0.0.1';
  const refusal = openBindRefusal(host, settings.teamMode, '--host');
  if (refusal) throw new UserError(refusal);
  const open = !isLoopbackAddress(host);
  if (open) process.stderr.write(openBindNote(host) + '\n');
  let app: INestApplication;
  try {
    app = await startServer({
      port,
      host,
      open,
      settings,
      logger,
      prepare: flags.demo ? createDemoCases : undefined,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UserError(`Port ${port} is in use; pick another with --port`);
    }
    throw error;
  }
  process.stdout.write(
    `swapbench is running at ${serverUrl(app).replace('127.0.0.1', 'localhost')} (Ctrl-C to stop)\n`,
  );
}

/** Parses serve's options as the command tree would: an unknown option is printed by commander, exit 2. */
function parseServeFlags(args: string[]): ServeFlags {
  const command = new Command(SERVE_COMMAND.name)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .option(SERVE_OPTIONS.port.flags, SERVE_OPTIONS.port.description)
    .option(SERVE_OPTIONS.host.flags, SERVE_OPTIONS.host.description)
    .option(SERVE_OPTIONS.demo.flags, SERVE_OPTIONS.demo.description);
  command.parse(args.slice(1), { from: 'user' });
  return command.opts<ServeFlags>();
}

/** `--demo`: the demo cases, written before the server listens, when the datasets folder is empty. */
async function createDemoCases(app: INestApplication): Promise<void> {
  const cases = app.get(CasesService);
  const { cases: valid, invalid } = await cases.list();
  if (valid.length + invalid.length > 0) return;
  const { written } = await app.get(DemoCasesService).generate();
  process.stdout.write(`Created ${written.length} demo cases in ${cases.root}\n`);
}
