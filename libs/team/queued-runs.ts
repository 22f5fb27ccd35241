import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { relative } from 'node:path';
import { In, Repository } from 'typeorm';
import { CasesService } from '../cases/cases.service';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { RunEventBus } from '../core/event-bus';
import { UserError } from '../core/user-error';
import { SharedFiles } from '../database/shared-files';
import { ItemMachine, nextStep, RunTally } from '../runs/item-machine';
import { RunLauncher } from '../runs/run-launcher';
import { runToCancel } from '../runs/run-lookup';
import { RunItem } from '../runs/run-item.entity';
import { Run } from '../runs/run.entity';
import { ToolRegistry } from '../tools/tools.registry';
import { teamRedis } from './redis';
import { TeamQueues } from './team-queues';

/**
 * Team mode's runs (docs/team.md): the server shares the run's case files, marks it running and queues a
 * job for each open item; the workers do the rest and the last of them finishes the run. Starting a run
 * again queues nothing twice (jobs are keyed by item), so a restarted server simply starts its running
 * runs again.
 */
@Injectable()
export class QueuedRuns extends RunLauncher implements OnModuleDestroy {
  private readonly logger = new Logger(QueuedRuns.name);
  private team?: TeamQueues;

  constructor(
    @InjectRepository(Run) private readonly runs: Repository<Run>,
    @InjectRepository(RunItem) private readonly items: Repository<RunItem>,
    private readonly cases: CasesService,
    private readonly tools: ToolRegistry,
    private readonly files: SharedFiles,
    private readonly bus: RunEventBus,
    private readonly settings: SwapbenchSettings,
  ) {
    super();
  }

  /** The team's queues, made on first use (never in the single-user default). */
  get queues(): TeamQueues {
    this.team ??= new TeamQueues(teamRedis(this.settings));
    return this.team;
  }

  async start(runId: string): Promise<void> {
    const run = await this.runs.findOneBy({ id: runId });
    if (!run) throw new UserError(`Unknown run "${runId}"`, 404);
    for (const caseId of run.caseIds) await this.shareCase(caseId);
    await this.runs.update(runId, { status: 'running', finishedAt: null, heartbeatAt: null, owner: 'team' });
    const items = await this.items.find({ where: { runId }, order: { position: 'ASC' } });
    const machine = new ItemMachine(this.items, this.bus, RunTally.of(items.map((i) => i.status)));
    this.bus.publish({ type: 'run_started', run_id: runId, progress: machine.progress() });
    for (const item of items) {
      const step = nextStep(item.status);
      if (step === 'score') await this.queues.addScore(item.id);
      if (step !== 'generate') continue;
      try {
        await this.queues.addGenerate(item.id, this.tools.get(item.toolId));
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        await machine.apply(item, {
          type: 'fail',
          error: `Tool "${item.toolId}" is no longer registered`,
          code: 'other',
        });
      }
    }
    if (items.every((item) => nextStep(item.status) === 'none')) await this.finish(runId, machine);
  }

  async cancel(runId: string): Promise<void> {
    await runToCancel(this.runs, runId);
    const open = await this.items.find({
      where: { runId, status: In(['queued', 'generating', 'generated', 'evaluating']) },
    });
    const machine = new ItemMachine(this.items, this.bus, await RunTally.load(this.items, runId));
    await this.runs.update(runId, { status: 'canceled', finishedAt: new Date().toISOString() });
    await machine.applyToRun(runId, 'cancel');
    await this.queues.removeWaiting(open);
    this.bus.publish({
      type: 'run_finished',
      run_id: runId,
      status: 'canceled',
      progress: machine.progress(),
    });
  }

  async resumeAll(): Promise<void> {
    for (const run of await this.runs.find({ where: { status: In(['running', 'interrupted']) } })) {
      this.logger.log(`Queueing the open items of run ${run.id} again`);
      await this.start(run.id).catch((error: Error) =>
        this.logger.warn(`Run ${run.id} not resumed: ${error.message}`),
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.team?.close();
  }

  /** Publishes the case's files for the workers (a worker fetches them into its own datasets folder). */
  private async shareCase(caseId: string): Promise<void> {
    const loaded = await this.cases.load(caseId);
    if ('error' in loaded) return;
    const files = [`${loaded.dir}/case.json`, loaded.templatePath, ...loaded.avatarPaths];
    for (const file of files) {
      await this.files.publish('datasets', relative(this.settings.datasets, file).split(/[\\/]/).join('/'));
    }
  }

  private async finish(runId: string, machine: ItemMachine): Promise<void> {
    const { affected } = await this.runs.update(
      { id: runId, status: 'running' },
      { status: 'finished', finishedAt: new Date().toISOString() },
    );
    if (affected)
      this.bus.publish({
        type: 'run_finished',
        run_id: runId,
        status: 'finished',
        progress: machine.progress(),
      });
  }
}
