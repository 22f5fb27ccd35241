import { Injectable } from '@nestjs/common';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { ToolRegistry } from '../tools/tools.registry';
import { QueuedRuns } from './queued-runs';
import { teamRedis } from './redis';
import { generateQueueName, SCORE_QUEUE } from './team-queues';
import type { TeamView, WorkerSeen } from './team-view';
import { WORKER_BEAT_MS, workersKey } from './team-worker';

/** Workers forgotten once not heard of for this long. */
const FORGET_MS = 3600_000;

/** The workers and queue depths of the team, for the admin page and the run page. */
@Injectable()
export class TeamStatus {
  constructor(
    private readonly settings: SwapbenchSettings,
    private readonly tools: ToolRegistry,
    private readonly runs: QueuedRuns,
  ) {}

  async view(): Promise<TeamView> {
    if (!this.settings.teamMode) return { team_mode: false, workers: [], queues: [] };
    // The queues' own connection: the run page asks every 3 s, and a connection each time would churn.
    const team = teamRedis(this.settings);
    const redis = this.runs.queues.redis();
    const seen = Object.entries(await redis.hgetall(workersKey(team))).map(
      ([field, text]) => [field, JSON.parse(text) as WorkerSeen] as const,
    );
    const now = Date.now();
    const gone = seen.filter(([, w]) => now - Date.parse(w.seen_at) > FORGET_MS).map(([field]) => field);
    if (gone.length > 0) await redis.hdel(workersKey(team), ...gone);
    const workers = seen
      .filter(([field]) => !gone.includes(field))
      .map(([, w]) => ({ ...w, alive: now - Date.parse(w.seen_at) <= 3 * WORKER_BEAT_MS }))
      .sort((a, b) => b.started_at.localeCompare(a.started_at));
    const names = [...this.tools.ids().map(generateQueueName), SCORE_QUEUE];
    const depths = await this.runs.queues.depths(names);
    const queues = names.map((name) => ({ name, ...depths[name] })).filter((q) => q.waiting + q.active > 0);
    return { team_mode: true, workers, queues };
  }
}
