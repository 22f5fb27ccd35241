import { Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command } from 'commander';
import { withSettings } from '../../libs/core/config/settings.module';
import type { SwapbenchSettings } from '../../libs/core/config/swapbench-settings';
import { RunEventBus } from '../../libs/core/event-bus';
import { UserError } from '../../libs/core/user-error';
import { reachRedis, teamRedis } from '../../libs/team/redis';
import { TeamJobs } from '../../libs/team/team-jobs';
import { TeamModule } from '../../libs/team/team.module';
import { TeamWorker } from '../../libs/team/team-worker';
import { ToolRegistry } from '../../libs/tools/tools.registry';
import { parseWholeNumber } from './cli-args';
import { WORKER_COMMAND, WORKER_OPTIONS, type WorkerFlags } from './commands/worker.options';

/** A worker's application: the team's jobs with the tools, the scorer and the database, no HTTP. */
@Module({ imports: [TeamModule] })
class WorkerModule {}

/**
 * `swapbench worker`: takes team mode's jobs until it is stopped (Ctrl-C or SIGTERM), when the jobs under
 * way are handed back to the queues for another worker.
 */
export async function work(
  args: string[],
  settings: SwapbenchSettings,
  logger: LoggerService,
): Promise<void> {
  const flags = parseWorkerFlags(args);
  if (!settings.teamMode) {
    throw new UserError(
      'swapbench worker runs in team mode: set SWAPBENCH_DATABASE_URL (Postgres) and SWAPBENCH_REDIS_URL (docs/team.md).',
    );
  }
  const queues = (flags.queues ?? 'generate,score').split(',').map((q) => q.trim());
  const unknown = queues.filter((q) => q !== 'generate' && q !== 'score');
  if (unknown.length > 0 || queues.length === 0) {
    throw new UserError(`--queues takes generate, score or both; got "${flags.queues}"`);
  }
  const concurrency =
    flags.concurrency === undefined ? undefined : parseWholeNumber(flags.concurrency, '--concurrency', 1, 64);
  const lockSeconds =
    flags.lockSeconds === undefined ? 30 : parseWholeNumber(flags.lockSeconds, '--lock-seconds', 2, 3600);
  await reachRedis(settings.redisUrl!);

  const app = await NestFactory.createApplicationContext(withSettings(WorkerModule, settings), {
    logger,
    abortOnError: false,
  });
  const worker = new TeamWorker(
    teamRedis(settings),
    app.get(TeamJobs),
    app.get(ToolRegistry),
    app.get(RunEventBus),
  );
  const listening = await worker.start({
    queues: queues as Array<'generate' | 'score'>,
    concurrency,
    lockMs: lockSeconds * 1000,
  });
  process.stdout.write(
    `swapbench worker ${process.pid} is taking jobs from ${listening.join(', ')} (Ctrl-C to stop)\n`,
  );
  const stop = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void worker
      .stop()
      .then(() => app.close())
      .then(() => {
        const { done, failed } = worker.done();
        process.stdout.write(
          `swapbench worker ${process.pid} stopped: ${done} jobs done, ${failed} handed back or failed\n`,
        );
        process.exit(0);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Parses worker's options as the command tree would: an unknown option is printed by commander, exit 2. */
function parseWorkerFlags(args: string[]): WorkerFlags {
  const command = new Command(WORKER_COMMAND.name)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .option(WORKER_OPTIONS.queues.flags, WORKER_OPTIONS.queues.description)
    .option(WORKER_OPTIONS.concurrency.flags, WORKER_OPTIONS.concurrency.description)
    .option(WORKER_OPTIONS.lockSeconds.flags, WORKER_OPTIONS.lockSeconds.description);
  command.parse(args.slice(1), { from: 'user' });
  return command.opts<WorkerFlags>();
}
