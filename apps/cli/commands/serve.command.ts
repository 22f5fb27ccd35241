import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { SERVE_COMMAND, SERVE_OPTIONS } from './serve.options';

/**
 * `serve` in the CLI's command tree, for the help only: `swapbench --help` lists it and
 * `swapbench serve --help` prints its options. `serve` itself never runs in the CLI's container —
 * `apps/cli/main.ts` sends it to the server door (`serve-door.ts`) before any container exists, so the
 * process holds one Nest application, one database connection and one set of tools.
 */
@Command(SERVE_COMMAND)
export class ServeCommand extends SwapbenchCommand {
  run(): Promise<void> {
    return Promise.reject(
      new Error('`serve` runs from the server door in apps/cli/main.ts, not in the CLI container'),
    );
  }

  @Option(SERVE_OPTIONS.port)
  parsePort(value: string): string {
    return value;
  }

  @Option(SERVE_OPTIONS.host)
  parseHost(value: string): string {
    return value;
  }

  @Option(SERVE_OPTIONS.demo)
  parseDemo(): boolean {
    return true;
  }
}
