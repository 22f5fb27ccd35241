import { Command, Option } from 'nest-commander';
import { UserError } from '../../../libs/core/user-error';
import { RescoreService, type RescoreResult } from '../../../libs/runs/rescore.service';
import type { Run } from '../../../libs/runs/run.entity';
import { TerminalBar } from '../progress-view';
import { rescoreTable } from '../rescore-results';
import { SwapbenchCommand } from '../swapbench-command';
import { RESCORE } from './rescore.options';

interface RescoreFlags {
  all?: boolean;
  json?: boolean;
}

@Command(RESCORE.command)
export class RescoreCommand extends SwapbenchCommand {
  constructor(private readonly rescorer: RescoreService) {
    super();
  }

  async run([runId, ...extra]: string[], flags: RescoreFlags): Promise<void> {
    if (extra.length > 0) throw new UserError(`rescore takes one run id; got ${[runId, ...extra].join(' ')}`);
    if (flags.all && runId !== undefined) throw new UserError('Give a run id or --all, not both');
    if (!flags.all && runId === undefined)
      throw new UserError('Say which run to rescore: a run id (see `swapbench runs`) or --all');

    let runs: Run[];
    if (flags.all) {
      const { runs: ready, running } = await this.rescorer.allRuns();
      for (const run of running)
        process.stderr.write(`Run ${run.id} is running and was left out; rescore it when it has ended.\n`);
      runs = ready;
    } else {
      runs = [await this.rescorer.runToRescore(runId)];
    }

    const controller = new AbortController();
    const interrupt = () => {
      process.stderr.write('\nInterrupted; the same command finishes the items not yet rescored.\n');
      controller.abort();
    };
    process.once('SIGINT', interrupt);
    const results: RescoreResult[] = [];
    try {
      for (const run of runs) {
        if (controller.signal.aborted) break;
        results.push(await this.rescoreOne(run, controller.signal, Boolean(flags.json)));
      }
    } finally {
      process.removeListener('SIGINT', interrupt);
    }
    if (controller.signal.aborted) process.exitCode = 130;

    if (flags.json) process.stdout.write(JSON.stringify({ runs: results }, null, 2) + '\n');
    else process.stdout.write(rescoreTable(results, this.rescorer.version) + '\n');
  }

  /** One run, with a bar on a terminal or a line per run on a pipe (none with --json on a pipe). */
  private async rescoreOne(run: Run, signal: AbortSignal, quiet: boolean): Promise<RescoreResult> {
    const tty = Boolean(process.stderr.isTTY);
    let bar: TerminalBar | null = null;
    try {
      return await this.rescorer.rescore(
        run,
        (p) => {
          if (!tty) {
            if (!quiet && p.done === 0) process.stderr.write(`run ${p.runId}: ${p.total} items to rescore\n`);
            return;
          }
          if (!bar) {
            bar = new TerminalBar('items rescored', 'run {run}');
            bar.start(p.total, p.done, { run: p.runId, last: p.last });
          } else bar.update(p.done, { run: p.runId, last: p.last });
        },
        signal,
      );
    } finally {
      (bar as TerminalBar | null)?.stop();
    }
  }

  @Option(RESCORE.options.all)
  parseAll(): boolean {
    return true;
  }

  @Option(RESCORE.options.json)
  parseJson(): boolean {
    return true;
  }
}
