import { Command, Option } from 'nest-commander';
import { SwapbenchCommand } from '../swapbench-command';
import { RunEventBus } from '../../../libs/core/event-bus';
import { SwapbenchSettings } from '../../../libs/core/config/swapbench-settings';
import { UserError } from '../../../libs/core/user-error';
import { RunExecutor } from '../../../libs/runs/run-executor';
import { MAX_SAMPLES, type RunRequest } from '../../../libs/runs/run-request';
import { RunMaintenanceService } from '../../../libs/runs/run-maintenance.service';
import { RunsService, type RunOrigin } from '../../../libs/runs/runs.service';
import { loadSuite } from '../../../libs/suites/suite.loader';
import { resolve } from 'node:path';
import type { SkippedCase } from '../../../libs/runs/scorability.service';
import {
  belowGate,
  parseScore,
  parseSelection,
  parseToolOptions,
  parseWholeNumber,
  type FailUnder,
} from '../cli-args';
import { ProgressView } from '../progress-view';
import { RUN_EXIT, runExitCode } from '../run-exit';
import { estimateTable, resultsTable, type RunResultJson, skippedLines, toResultJson } from '../results';
import { TeamServer } from '../team-server';
import type { RunDetail } from '../../../libs/runs/run-views';
import { variantSummaries } from '../../../libs/results/variant-scores';
import { RUN } from './run.options';

interface RunFlags {
  cases?: string;
  tools?: string;
  concurrency?: string;
  json?: boolean;
  resume?: string;
  cache?: boolean;
  failUnder?: string;
  attempts?: string;
  timeout?: string;
  skipUnscorable?: boolean;
  suite?: string;
  toolOption?: string[];
  samples?: string;
  retryFailed?: boolean;
  dryRun?: boolean;
  server?: string;
  token?: string;
}

@Command(RUN.command)
export class RunCommand extends SwapbenchCommand {
  constructor(
    private readonly runs: RunsService,
    private readonly executor: RunExecutor,
    private readonly bus: RunEventBus,
    private readonly maintenance: RunMaintenanceService,
    private readonly settings: SwapbenchSettings,
  ) {
    super();
  }

  async run(_args: string[], flags: RunFlags): Promise<void> {
    let failUnder: FailUnder =
      flags.failUnder === undefined ? null : parseScore(flags.failUnder, '--fail-under');
    if (flags.dryRun) {
      if (flags.resume !== undefined || flags.retryFailed)
        throw new UserError('--dry-run prices a new run: leave out --resume and --retry-failed');
      const { request } = await this.request(flags);
      const estimate = await this.runs.estimate(request);
      process.stdout.write(flags.json ? JSON.stringify(estimate, null, 2) + '\n' : estimateTable(estimate));
      return;
    }
    if (flags.server !== undefined) return this.runOnServer(flags, failUnder);
    if (flags.token !== undefined) throw new UserError('--token goes with --server <url>');
    let runId: string;
    let skipped: SkippedCase[] = [];
    if (flags.resume !== undefined) {
      if (
        flags.cases ||
        flags.tools ||
        flags.skipUnscorable ||
        flags.suite ||
        flags.toolOption ||
        flags.samples
      )
        throw new UserError(
          '--resume continues a stored run: leave out --suite, --cases, --tools, --tool-option, --samples and --skip-unscorable',
        );
      runId = (await this.runs.get(flags.resume)).id;
      if (flags.retryFailed) {
        const requeued = await this.maintenance.requeueFailed(runId);
        if (!flags.json)
          process.stderr.write(`retrying ${requeued} failed item${requeued === 1 ? '' : 's'}\n`);
      }
    } else {
      if (flags.retryFailed) throw new UserError('--retry-failed goes with --resume <run_id>');
      const { request, origin, gate } = await this.request(flags);
      failUnder = failUnder ?? gate;
      const created = await this.runs.create(request, origin);
      runId = created.run.id;
      skipped = created.skipped;
    }

    const view = new ProgressView(runId, { quiet: Boolean(flags.json) });
    const unsubscribe = this.bus.subscribe((event) => view.onEvent(event));
    const interrupt = () => {
      process.stderr.write(`\nInterrupted; resume with: swapbench run --resume ${runId}\n`);
      void this.executor.stop(runId, 'interrupt');
    };
    process.once('SIGINT', interrupt);
    try {
      await this.executor.execute(runId);
    } finally {
      process.removeListener('SIGINT', interrupt);
      unsubscribe();
      view.stop();
    }

    const detail = await this.runs.detail(runId);
    this.report(detail, toResultJson(detail, this.settings.runs, skipped), skipped, flags, failUnder);
  }

  /**
   * `--server`: starts the run on that server through its API and follows its events there, with the
   * same output and exit codes as a run here. Ctrl-C stops following; the run goes on on the server.
   */
  private async runOnServer(flags: RunFlags, given: FailUnder): Promise<void> {
    if (flags.resume !== undefined || flags.retryFailed) {
      throw new UserError(
        "--server starts a new run: --resume and --retry-failed work on this machine's runs",
      );
    }
    const server = new TeamServer(flags.server!, flags.token);
    const { request, gate } = await this.request(flags);
    const { run_id: runId, skipped } = await server.startRun(request);
    const view = new ProgressView(runId, { quiet: Boolean(flags.json) });
    const detached = new AbortController();
    const detach = () => {
      process.stderr.write(`\nStopped following; the run goes on at ${server.base}/?run=${runId}\n`);
      detached.abort();
    };
    process.once('SIGINT', detach);
    let started = false;
    try {
      await server.follow(
        runId,
        (event) => {
          // The stream opens with the items' current state; the view starts on a run's start.
          if (!started) view.onEvent({ type: 'run_started', run_id: runId, progress: event.progress });
          started = true;
          view.onEvent(event);
        },
        detached.signal,
      );
    } catch (error) {
      if (!detached.signal.aborted) throw error;
    } finally {
      process.removeListener('SIGINT', detach);
      view.stop();
    }
    if (detached.signal.aborted) {
      process.exitCode = 130;
      return;
    }
    const detail = await server.detail(runId);
    // The images are the server's: their addresses there (signed in), not paths on this machine.
    const result = toResultJson(detail, '', skipped);
    for (const item of result.items) {
      if (item.image_path) item.image_path = `${server.base}/runs/${item.image_path.split('\\').join('/')}`;
    }
    this.report(detail, result, skipped, flags, given ?? gate);
  }

  /** The run's result on stdout, and exit code 1 when a variant is below the gate. */
  private report(
    detail: RunDetail,
    result: RunResultJson,
    skipped: SkippedCase[],
    flags: RunFlags,
    failUnder: FailUnder,
  ): void {
    if (flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else process.stdout.write(resultsTable(detail) + '\n' + skippedLines(skipped));

    const below = belowGate(variantSummaries(detail), failUnder);
    const code = runExitCode(detail.status, detail.progress.scored, below.length > 0);
    if (code === RUN_EXIT.noScore) {
      process.stderr.write(
        `No item of run ${detail.id} was scored (${detail.progress.failed} failed, ${detail.progress.canceled} canceled)\n`,
      );
    } else if (code === RUN_EXIT.belowGate) {
      const gate =
        flags.failUnder !== undefined ? `--fail-under ${failUnder as number}` : "the suite's fail_under";
      process.stderr.write(`Below ${gate}: ${below.join(', ')}\n`);
    }
    process.exitCode = code;
  }

  /** The run request of the flags: a suite file (flags on top of it), or --cases and --tools. */
  private async request(
    flags: RunFlags,
  ): Promise<{ request: RunRequest; origin: RunOrigin; gate: FailUnder }> {
    const toolOptions = parseToolOptions(flags.toolOption ?? []);
    const overrides = {
      ...(flags.cache === false && { cache: false }),
      ...(flags.skipUnscorable && { skip_unscorable: true }),
      ...(flags.concurrency !== undefined && {
        concurrency: parseWholeNumber(flags.concurrency, '--concurrency', 1, 64),
      }),
      ...(flags.attempts !== undefined && {
        max_attempts: parseWholeNumber(flags.attempts, '--attempts', 1, 10),
      }),
      ...(flags.timeout !== undefined && {
        timeout_ms: parseWholeNumber(flags.timeout, '--timeout', 1, 3600) * 1000,
      }),
      ...(flags.samples !== undefined && {
        samples: parseWholeNumber(flags.samples, '--samples', 1, MAX_SAMPLES),
      }),
      ...(Object.keys(toolOptions).length > 0 && { tool_options: toolOptions }),
    };
    if (flags.suite !== undefined) {
      if (flags.cases || flags.tools)
        throw new UserError('--suite names the cases and tools: leave out --cases and --tools');
      const suite = await loadSuite(resolve(flags.suite));
      return {
        request: { ...suite.request, options: { ...suite.request.options, ...overrides } },
        origin: { suitePath: suite.path, suiteHash: suite.hash },
        gate: suite.failUnder,
      };
    }
    if (!flags.cases || !flags.tools) {
      throw new UserError(
        'Say what to run: --suite <file>, or --cases <all|ids> and --tools <all|ids> (see `swapbench cases` and `swapbench tools`)',
      );
    }
    return {
      request: {
        case_ids: parseSelection(flags.cases, 'cases'),
        tool_ids: parseSelection(flags.tools, 'tools'),
        options: overrides,
      },
      origin: {},
      gate: null,
    };
  }

  @Option(RUN.options.suite)
  parseSuite(value: string): string {
    return value;
  }

  @Option(RUN.options.toolOption)
  parseToolOption(value: string, previous: string[] = []): string[] {
    return [...previous, value];
  }

  @Option(RUN.options.samples)
  parseSamples(value: string): string {
    return value;
  }

  @Option(RUN.options.retryFailed)
  parseRetryFailed(): boolean {
    return true;
  }

  @Option(RUN.options.cases)
  parseCases(value: string): string {
    return value;
  }

  @Option(RUN.options.tools)
  parseTools(value: string): string {
    return value;
  }

  @Option(RUN.options.concurrency)
  parseConcurrency(value: string): string {
    return value;
  }

  @Option(RUN.options.attempts)
  parseAttempts(value: string): string {
    return value;
  }

  @Option(RUN.options.timeout)
  parseTimeout(value: string): string {
    return value;
  }

  @Option(RUN.options.noCache)
  parseNoCache(): boolean {
    return false;
  }

  @Option(RUN.options.skipUnscorable)
  parseSkipUnscorable(): boolean {
    return true;
  }

  @Option(RUN.options.resume)
  parseResume(value: string): string {
    return value;
  }

  @Option(RUN.options.failUnder)
  parseFailUnder(value: string): string {
    return value;
  }

  @Option(RUN.options.dryRun)
  parseDryRun(): boolean {
    return true;
  }

  @Option(RUN.options.server)
  parseServer(value: string): string {
    return value;
  }

  @Option(RUN.options.token)
  parseToken(value: string): string {
    return value;
  }

  @Option(RUN.options.json)
  parseJson(): boolean {
    return true;
  }
}
