import { Injectable } from '@nestjs/common';
import { RatingsService } from '../ratings/ratings.service';
import { RunsService } from '../runs/runs.service';
import { runAgreement, type RunAgreement } from './agreement';
import { ArenaService, type ArenaStandings } from './arena.service';

/** A run's people's-judgement figures: the arena leaderboard and the agreement, for the app and report. */
export interface RunJudgement {
  arena: ArenaStandings;
  agreement: RunAgreement;
}

@Injectable()
export class JudgementService {
  constructor(
    private readonly runs: RunsService,
    private readonly ratings: RatingsService,
    private readonly arena: ArenaService,
  ) {}

  async forRun(runId: string): Promise<RunJudgement> {
    const run = await this.runs.detail(runId);
    const [ratings, arena] = await Promise.all([
      this.ratings.ofItems(run.items.map((i) => i.id)),
      this.arena.standings([run.id]),
    ]);
    const items = run.items.map((i) => ({
      id: i.id,
      variant: i.variant,
      score: i.status === 'scored' ? i.score : null,
    }));
    return { arena, agreement: runAgreement(run.id, items, ratings, arena) };
  }
}
