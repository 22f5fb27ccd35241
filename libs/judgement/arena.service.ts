import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import type { ItemStatus } from '../core/run-events';
import { UserError } from '../core/user-error';
import type { RunItem } from '../runs/run-item.entity';
import { RunsService } from '../runs/runs.service';
import { ArenaVote, type Winner } from './arena-vote.entity';
import { standings, type PairOutcome, type Standing } from './bradley-terry';

/** One side of a pair: no tool name, and an image URL that does not name the tool either. */
export interface ArenaSide {
  item_id: number;
  image_url: string;
}

/** `GET /api/arena/next`: the next pair for a rater, or nulls when the rater has voted on every pair. */
export interface ArenaPair {
  case_id: string | null;
  left: ArenaSide | null;
  right: ArenaSide | null;
  /** Pairs this rater has not voted on yet, this one included. */
  remaining: number;
}

/** `GET /api/arena`: the Bradley–Terry leaderboard of the runs' variants. */
export interface ArenaStandings {
  run_ids: string[];
  votes: number;
  variants: Standing[];
}

/** A vote as `POST /api/votes` takes it (validated at the edge). */
export interface VoteRequest {
  left_item_id: number;
  right_item_id: number;
  winner: Winner;
  rater: string;
}

/** The opaque image URL of an item in blind views: the path under the runs folder names the tool. */
export function blindImageUrl(itemId: number): string {
  return `/app/items/${itemId}/image`;
}

/** Statuses whose output image exists and can be judged. */
const JUDGEABLE: readonly ItemStatus[] = ['generated', 'evaluating', 'scored'];

/**
 * The pairwise arena: two outputs of the same case, of different variants, shown without names; votes
 * fitted with Bradley–Terry. Pairs with the fewest votes come first, and a rater never gets a pair
 * again once they voted on it (in either order).
 */
@Injectable()
export class ArenaService {
  constructor(
    @InjectRepository(ArenaVote) private readonly votes: Repository<ArenaVote>,
    private readonly runs: RunsService,
  ) {}

  async next(runIds: string[], rater: string, random: () => number = Math.random): Promise<ArenaPair> {
    const items = await this.judgeable(runIds);
    const labels = variantLabels(items);
    const counts = await this.pairVotes(items.map((i) => i.id));
    const seen = new Set(
      (await this.votes.find({ where: { rater }, select: ['leftItemId', 'rightItemId'] })).map((v) =>
        pairKey(v.leftItemId, v.rightItemId),
      ),
    );
    const byCase = new Map<string, RunItem[]>();
    for (const item of items) byCase.set(item.caseId, [...(byCase.get(item.caseId) ?? []), item]);
    let best: Array<[RunItem, RunItem]> = [];
    let fewest = Infinity;
    let remaining = 0;
    for (const group of byCase.values())
      for (let a = 0; a < group.length; a++)
        for (let b = a + 1; b < group.length; b++) {
          const [x, y] = [group[a], group[b]];
          if (labels.get(x.id) === labels.get(y.id)) continue;
          const key = pairKey(x.id, y.id);
          if (seen.has(key)) continue;
          remaining++;
          const n = counts.get(key) ?? 0;
          if (n < fewest) [fewest, best] = [n, []];
          if (n === fewest) best.push([x, y]);
        }
    if (best.length === 0) return { case_id: null, left: null, right: null, remaining: 0 };
    // Random among the least-voted pairs and random sides, so raters spread out and no side is favoured.
    const [x, y] = best[Math.floor(random() * best.length)];
    const [left, right] = random() < 0.5 ? [x, y] : [y, x];
    return {
      case_id: x.caseId,
      left: { item_id: left.id, image_url: blindImageUrl(left.id) },
      right: { item_id: right.id, image_url: blindImageUrl(right.id) },
      remaining,
    };
  }

  async vote(request: VoteRequest): Promise<{ id: number; case_id: string; winner: Winner; rater: string }> {
    if (request.left_item_id === request.right_item_id)
      throw new UserError('right_item_id: must be another item than left_item_id');
    const left = await this.runs.item(request.left_item_id);
    if (!left) throw new UserError(`left_item_id: no run item ${request.left_item_id}`);
    const right = await this.runs.item(request.right_item_id);
    if (!right) throw new UserError(`right_item_id: no run item ${request.right_item_id}`);
    if (left.caseId !== right.caseId) {
      throw new UserError(
        `right_item_id: item ${right.id} is of case "${right.caseId}", item ${left.id} of case "${left.caseId}"; a vote compares two outputs of one case`,
      );
    }
    for (const [field, item] of [
      ['left_item_id', left],
      ['right_item_id', right],
    ] as const) {
      if (!JUDGEABLE.includes(item.status) || !item.imagePath)
        throw new UserError(`${field}: item ${item.id} has no output image to judge (${item.status})`);
    }
    const row = await this.votes.save(
      this.votes.create({
        leftItemId: left.id,
        rightItemId: right.id,
        caseId: left.caseId,
        winner: request.winner,
        rater: request.rater,
        createdAt: new Date().toISOString(),
      }),
    );
    return { id: row.id, case_id: row.caseId, winner: row.winner, rater: row.rater };
  }

  /** Bradley–Terry ratings of the variants of some runs, from every vote between their items. */
  async standings(runIds: string[]): Promise<ArenaStandings> {
    for (const id of runIds) await this.runs.get(id);
    const items = await this.runs.itemsOfRuns(runIds);
    const labels = variantLabels(items);
    const ids = items.map((i) => i.id);
    const votes = await this.votesAmong(ids);
    const outcomes: PairOutcome[] = votes.flatMap((v) => {
      const a = labels.get(v.leftItemId);
      const b = labels.get(v.rightItemId);
      return a === undefined || b === undefined || a === b ? [] : [{ a, b, scoreA: scoreOfLeft(v.winner) }];
    });
    const variants = [...new Set(items.map((i) => labels.get(i.id) as string))];
    return { run_ids: runIds, votes: outcomes.length, variants: standings(variants, outcomes) };
  }

  /** An item's output path under the runs folder, or null (unknown item, or no output yet). */
  async imagePathOf(itemId: number): Promise<string | null> {
    const item = await this.runs.item(itemId);
    return item && JUDGEABLE.includes(item.status) ? item.imagePath : null;
  }

  /** Items with an output to judge, of runs that exist (404 naming the run otherwise). */
  private async judgeable(runIds: string[]): Promise<RunItem[]> {
    for (const id of runIds) await this.runs.get(id);
    const items = await this.runs.itemsOfRuns(runIds, { statuses: JUDGEABLE, byRun: true });
    return items.filter((i) => i.imagePath !== null);
  }

  /** Votes per unordered pair of items among `ids`. */
  private async pairVotes(ids: number[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const v of await this.votesAmong(ids)) {
      const key = pairKey(v.leftItemId, v.rightItemId);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  private async votesAmong(ids: number[]): Promise<ArenaVote[]> {
    const found = new Map<number, ArenaVote>();
    for (let i = 0; i < ids.length; i += 400) {
      const chunk = ids.slice(i, i + 400);
      for (const v of await this.votes.find({
        where: [{ leftItemId: In(chunk) }, { rightItemId: In(chunk) }],
      }))
        found.set(v.id, v);
    }
    const inside = new Set(ids);
    return [...found.values()].filter((v) => inside.has(v.leftItemId) && inside.has(v.rightItemId));
  }
}

/** Left's share of a vote: a win, a loss, or half for a tie and for "both bad". */
export function scoreOfLeft(winner: Winner): number {
  switch (winner) {
    case 'left':
      return 1;
    case 'right':
      return 0;
    case 'tie':
    case 'both_bad':
      return 0.5;
  }
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/**
 * The arena label of each item: its variant, or `variant@run` when the same variant appears in more than
 * one of the runs (so two runs of one tool with other options are told apart).
 */
export function variantLabels(items: Array<Pick<RunItem, 'id' | 'runId' | 'variant'>>): Map<number, string> {
  const runsOf = new Map<string, Set<string>>();
  for (const item of items) {
    const v = item.variant;
    runsOf.set(v, (runsOf.get(v) ?? new Set()).add(item.runId));
  }
  return new Map(
    items.map((item) => {
      const v = item.variant;
      return [item.id, (runsOf.get(v)?.size ?? 0) > 1 ? `${v}@${item.runId}` : v];
    }),
  );
}
