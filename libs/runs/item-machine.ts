import { In, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { RunEventBus } from '../core/event-bus';
import type {
  AttemptFailure,
  ItemErrorCode,
  ItemStatus,
  RunProgress,
  ScoreBreakdown,
} from '../core/run-events';
import { environmentSecrets, redactSecrets } from '../core/secret-redaction';
import type { RunItem } from './run-item.entity';
import { eventFields, progressFromCounts, toItemView } from './run-views';

// An item's life (docs/api.md §4): every change of an item's status is one of these events, checked against
// the table below, written to the database and then published. Nothing else writes an item's status.

/** What can happen to an item, with what each brings. */
export type ItemEvent =
  /** An attempt at the tool begins; an item without a name for its image claims one in the same write. */
  | { type: 'start'; attempt: number; imagePath?: string }
  /** An attempt failed in a way worth trying again; the item waits for its next attempt. */
  | { type: 'retry'; attempt: number; error: string; code: ItemErrorCode }
  /** The tool's image is stored. */
  | { type: 'generated'; latencyMs: number; costUsd: number | null; meta: Record<string, unknown> }
  /** A process that died had stored the image before it could record it. */
  | { type: 'found_output' }
  /** An earlier item with identical inputs gives its output (and its score, when it has one). */
  | { type: 'reused'; from: RunItem }
  | { type: 'evaluate' }
  | { type: 'scored'; score: number; breakdown: ScoreBreakdown; scorerVersion: string }
  /** `swapbench rescore`: a stored output judged again by another scorer version. */
  | { type: 'rescored'; score: number; breakdown: ScoreBreakdown; scorerVersion: string }
  | { type: 'rescore_failed'; error: string; scorerVersion: string }
  /** The item ends failed; a failed tool call is also kept in the attempts' history. */
  | { type: 'fail'; error: string; code: ItemErrorCode; attemptFailed?: boolean }
  | { type: 'cancel' }
  /** The process is going away: the item goes back to where a resume picks it up. */
  | { type: 'interrupt' }
  /** A failed item is tried again (`POST /api/runs/{id}/retry`). */
  | { type: 'requeue' };

export type ItemEventType = ItemEvent['type'];
type EventOf<T extends ItemEventType> = Extract<ItemEvent, { type: T }>;
type ItemChanges = Partial<Omit<RunItem, 'id' | 'run' | 'runId' | 'status'>>;

interface Transition<E extends ItemEvent> {
  /** The statuses the event may happen in. */
  from: readonly ItemStatus[];
  to: ItemStatus | ((item: Readonly<RunItem>, event: E) => ItemStatus);
  /** Why the event cannot happen to this item, beyond its status. */
  guard?: (item: Readonly<RunItem>, event: E) => string | undefined;
  /** The item's other columns after the event. */
  effects: (item: Readonly<RunItem>, event: E, now: string) => ItemChanges;
}

const OPEN: readonly ItemStatus[] = ['queued', 'generating', 'generated', 'evaluating'];
const TO_GENERATE: readonly ItemStatus[] = ['queued', 'generating'];
const CANCELED = 'Canceled by the user';

const needsImage = (item: Readonly<RunItem>) => (item.imagePath ? undefined : 'it has no image');

/** The transition table: for each event, where it may happen, where it leads and what it writes. */
const TRANSITIONS: { [T in ItemEventType]: Transition<EventOf<T>> } = {
  start: {
    from: TO_GENERATE,
    to: 'generating',
    guard: (item, e) =>
      item.imagePath || e.imagePath ? undefined : 'an attempt needs a name claimed for its image',
    effects: (item, e, now) => ({
      attempts: e.attempt,
      startedAt: item.startedAt ?? now,
      ...(e.imagePath ? { imagePath: e.imagePath } : {}),
    }),
  },
  retry: {
    from: ['generating'],
    to: 'generating',
    effects: (item, e, now) => ({
      error: `Attempt ${e.attempt} failed: ${e.error}; retrying`,
      errorCode: e.code,
      attemptFailures: withFailure(item, { attempt: e.attempt, code: e.code, message: e.error, at: now }),
    }),
  },
  generated: {
    from: ['generating'],
    to: 'generated',
    guard: needsImage,
    effects: (_item, e) => ({
      latencyMs: Math.round(e.latencyMs),
      costUsd: e.costUsd,
      meta: { ...e.meta, ...(e.costUsd !== null ? { costUsd: e.costUsd } : {}) },
      error: null,
      errorCode: null,
    }),
  },
  found_output: {
    from: TO_GENERATE,
    to: 'generated',
    guard: needsImage,
    effects: (item, _e, now) => ({ finishedAt: item.finishedAt ?? now }),
  },
  reused: {
    from: TO_GENERATE,
    to: (_item, e) => (isScored(e.from) ? 'scored' : 'generated'),
    guard: (_item, e) => (e.from.imagePath ? undefined : 'the earlier item has no image'),
    effects: (_item, { from }, now) => {
      const scored = isScored(from);
      return {
        cached: true,
        imagePath: from.imagePath,
        meta: { ...from.meta, cachedFromItem: from.id },
        score: scored ? from.score : null,
        breakdown: scored ? from.breakdown : null,
        // The earlier item's score, so its scorer's version too (a rescore brings it up to date).
        scorerVersion: scored ? from.scorerVersion : null,
        latencyMs: 0,
        costUsd: 0,
        startedAt: now,
        finishedAt: scored ? now : null,
        error: null,
        errorCode: null,
      };
    },
  },
  evaluate: { from: ['generated', 'evaluating'], to: 'evaluating', guard: needsImage, effects: () => ({}) },
  scored: {
    from: ['evaluating'],
    to: 'scored',
    effects: (_item, e, now) => ({
      score: e.score,
      breakdown: e.breakdown,
      scorerVersion: e.scorerVersion,
      finishedAt: now,
    }),
  },
  rescored: {
    from: ['scored', 'failed'],
    to: 'scored',
    guard: (item) => (isRescorable(item) ? undefined : 'it has no scored output'),
    effects: (_item, e) => ({
      score: e.score,
      breakdown: e.breakdown,
      scorerVersion: e.scorerVersion,
      error: null,
      errorCode: null,
    }),
  },
  rescore_failed: {
    from: ['scored', 'failed'],
    to: 'failed',
    guard: (item) => (isRescorable(item) ? undefined : 'it has no scored output'),
    // Judged by this version too, so a second rescore does not try it again.
    effects: (_item, e) => ({
      score: null,
      breakdown: null,
      scorerVersion: e.scorerVersion,
      error: e.error,
      errorCode: 'unscorable',
    }),
  },
  fail: {
    from: OPEN,
    to: 'failed',
    effects: (item, e, now) => ({
      error: e.error,
      errorCode: e.code,
      finishedAt: now,
      ...(e.attemptFailed && {
        attemptFailures: withFailure(item, {
          attempt: item.attempts,
          code: e.code,
          message: e.error,
          at: now,
        }),
      }),
    }),
  },
  cancel: {
    from: OPEN,
    to: 'canceled',
    effects: (_item, _e, now) => ({ error: CANCELED, errorCode: 'canceled', finishedAt: now }),
  },
  interrupt: {
    from: OPEN,
    to: (item) =>
      item.status === 'generating' ? 'queued' : item.status === 'evaluating' ? 'generated' : item.status,
    effects: () => ({}),
  },
  requeue: {
    from: ['failed'],
    to: 'queued',
    // The attempts' history stays: it is what happened to the item, retried or not.
    effects: () => ({ attempts: 0, error: null, errorCode: null, finishedAt: null, startedAt: null }),
  },
};

/** The item's attempt history with one more failure (redacted as every error the machine writes). */
function withFailure(item: Readonly<RunItem>, failure: AttemptFailure): AttemptFailure[] {
  const message = redactSecrets(failure.message, environmentSecrets());
  return [...(item.attemptFailures ?? []), { ...failure, message }];
}

function isScored(item: Readonly<RunItem>): boolean {
  return item.status === 'scored' && item.score !== null;
}

/** An item with an output to score again: scored, or failed at scoring after its image was stored. */
export function isRescorable(item: Readonly<RunItem>): boolean {
  if (!item.imagePath) return false;
  return item.status === 'scored' || (item.status === 'failed' && /^Scoring failed/.test(item.error ?? ''));
}

/** What an executor does next with an item in this status. */
export function nextStep(status: ItemStatus): 'generate' | 'score' | 'none' {
  if (status === 'queued' || status === 'generating') return 'generate';
  if (status === 'generated' || status === 'evaluating') return 'score';
  return 'none';
}

/** An event the table does not allow for the item as it stands. */
export class IllegalTransition extends Error {
  constructor(item: Readonly<RunItem>, type: ItemEventType, why: string) {
    super(`Item ${item.id} (${item.status}) cannot take "${type}": ${why}`);
  }
}

/**
 * The item is not in the status it was read in: another process (a second worker, or a cancel through
 * the server) moved it first. The first writer's change stands; this one is dropped.
 */
export class ItemMoved extends Error {
  constructor(item: Readonly<RunItem>, type: ItemEventType) {
    super(`Item ${item.id} is no longer ${item.status}: another process moved it before "${type}"`);
  }
}

/** The item's status and columns after the event, or why the event cannot happen to it. */
export function transition(
  item: Readonly<RunItem>,
  event: ItemEvent,
  now: string,
): { status: ItemStatus; changes: ItemChanges } {
  const rule = TRANSITIONS[event.type] as Transition<ItemEvent>;
  if (!rule.from.includes(item.status)) {
    throw new IllegalTransition(item, event.type, `it may happen only to ${rule.from.join(', ')} items`);
  }
  const why = rule.guard?.(item, event);
  if (why) throw new IllegalTransition(item, event.type, why);
  const status = typeof rule.to === 'function' ? rule.to(item, event) : rule.to;
  const changes = rule.effects(item, event, now);
  if (typeof changes.error === 'string') {
    changes.error = redactSecrets(changes.error, environmentSecrets());
  }
  return { status, changes };
}

/** The statuses an event may happen in (for changes made to many items at once). */
export function statusesFor(type: ItemEventType): readonly ItemStatus[] {
  return TRANSITIONS[type].from;
}

/** How many of a run's items stand in each status: kept as they move, for the events' progress. */
export class RunTally {
  private constructor(private readonly counts: Map<ItemStatus, number>) {}

  static of(statuses: Iterable<ItemStatus>): RunTally {
    const counts = new Map<ItemStatus, number>();
    for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
    return new RunTally(counts);
  }

  /** Counted by the database, for a run no process of ours is executing. */
  static async load(items: Repository<RunItem>, runId: string): Promise<RunTally> {
    const rows: Array<{ status: ItemStatus; n: string | number }> = await items
      .createQueryBuilder('item')
      .select('item.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where('item.runId = :runId', { runId })
      .groupBy('item.status')
      .getRawMany();
    return new RunTally(new Map(rows.map((r) => [r.status, Number(r.n)])));
  }

  move(from: ItemStatus, to: ItemStatus, n = 1): void {
    if (from === to || n === 0) return;
    this.counts.set(from, (this.counts.get(from) ?? 0) - n);
    this.counts.set(to, (this.counts.get(to) ?? 0) + n);
  }

  progress(): RunProgress {
    return progressFromCounts(this.counts);
  }
}

/**
 * The one writer of a run's item statuses. Each event is checked against the transition table, written
 * with a compare-and-set on the status the item was read in (so of two processes racing for an item, one
 * wins and the other gets `ItemMoved`), and only then published. Holds no item: callers pass the item as
 * they read it and go on with the one returned, so a queue job can call it with a row it just loaded.
 */
export class ItemMachine {
  constructor(
    private readonly items: Repository<RunItem>,
    private readonly bus: RunEventBus,
    private readonly tally: RunTally,
  ) {}

  /** Applies `event` to `item`; resolves with the item as stored after it. */
  async apply(item: Readonly<RunItem>, event: ItemEvent): Promise<RunItem> {
    const { status, changes } = transition(item, event, new Date().toISOString());
    const columns = { ...changes, status } as QueryDeepPartialEntity<RunItem>;
    const { affected } = await this.items.update({ id: item.id, status: item.status }, columns);
    if (affected === 0) throw new ItemMoved(item, event.type);
    const next: RunItem = { ...item, ...changes, status };
    this.tally.move(item.status, status);
    this.publish(next);
    return next;
  }

  /**
   * Applies an event that needs nothing of the item but its status (`cancel`, `requeue`) to every item of
   * the run it may happen to, a write per status; resolves with how many it moved.
   */
  async applyToRun(runId: string, type: 'cancel' | 'requeue'): Promise<number> {
    const found = await this.items.find({ where: { runId, status: In([...statusesFor(type)]) } });
    const now = new Date().toISOString();
    const moves = found.map((item) => ({ item, ...transition(item, { type }, now) }));
    for (const from of new Set(found.map((item) => item.status))) {
      const group = moves.filter((m) => m.item.status === from);
      const { status, changes } = group[0];
      for (let i = 0; i < group.length; i += 500) {
        const ids = group.slice(i, i + 500).map((m) => m.item.id);
        const columns = { ...changes, status } as QueryDeepPartialEntity<RunItem>;
        const { affected } = await this.items.update({ id: In(ids), status: from }, columns);
        this.tally.move(from, status, affected ?? ids.length);
      }
    }
    for (const { item, status, changes } of moves) this.publish({ ...item, ...changes, status });
    return moves.length;
  }

  progress(): RunProgress {
    return this.tally.progress();
  }

  private publish(item: RunItem): void {
    this.bus.publish({ type: 'update', ...eventFields(toItemView(item)), progress: this.tally.progress() });
  }
}
