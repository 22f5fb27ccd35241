import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { DemoCasesService } from '../../../libs/cases/demo-cases.service';
import { CasesService } from '../../../libs/cases/cases.service';
import { UserError } from '../../../libs/core/user-error';
import { startServer, serverUrl } from '../../server/bootstrap';
import { isLoopbackAddress, openBindWarning } from '../../../libs/web/http/local-only';
import { parseWholeNumber } from '../cli-args';

@Command({
  name: 'serve',
  description:
    'Run the web app and API (default http://127.0.0.1:8000). Binding another host needs --host and is a risk: there is no login.',
})
export class ServeCommand extends SwapbenchCommand {
  constructor(
    private readonly demo: DemoCasesService,
    private readonly cases: CasesService,
  ) {
    super();
  }

  async run(_args: string[], flags: { port?: string; host?: string; demo?: boolean }): Promise<void> {
    const port = flags.port === undefined ? 8000 : parseWholeNumber(flags.port, '--port', 0, 65535);
    const host = flags.host ?? '127.0.0.1';
    const open = !isLoopbackAddress(host);
    if (open) process.stderr.write(openBindWarning(host) + '\n');
    if (flags.demo) {
      const { cases, invalid } = await this.cases.list();
      if (cases.length + invalid.length === 0) {
        const { written } = await this.demo.generate();
        process.stdout.write(`Created ${written.length} demo cases in ${this.cases.root}\n`);
      }
    }
    try {
      const app = await startServer({ port, host, open, logger: ['error', 'warn'] });
      process.stdout.write(
        `swapbench is running at ${serverUrl(app).replace('127.0.0.1', 'localhost')} (Ctrl-C to stop)\n`,
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new UserError(`Port ${port} is in use; pick another with --port`);
      }
      throw error;
    }
    // Keep the command alive until the process is stopped.
    await new Promise<void>(() => {});
  }

  @Option({ flags: '--port <n>', description: 'port to listen on (default 8000)' })
  parsePort(value: string): string {
    return value;
  }

  @Option({
    flags: '--host <address>',
    description: 'address to listen on (default 127.0.0.1; others print a warning)',
  })
  parseHost(value: string): string {
    return value;
  }

  @Option({ flags: '--demo', description: 'create the demo cases first when the datasets folder is empty' })
  parseDemo(): boolean {
    return true;
  }
}
