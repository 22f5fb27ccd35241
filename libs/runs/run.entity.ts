import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RunStatus } from '../core/run-events';

/** What a run was asked to do, stored so that `--resume` and the server can finish it the same way. */
export interface RunOptions {
  /** Items generating at once across all tools. */
  concurrency: number;
  /** Option values per variant label (a tool's own id for its default variant), defaults filled in. */
  toolOptions: Record<string, Record<string, string | number | boolean>>;
  /** The run's variants in column order; absent in runs stored before variants (one per tool, label = id). */
  variants?: RunVariant[];
  /** Outputs per case × variant; absent means 1. */
  samples?: number;
  /** Attempts per item for retryable failures, the first included. */
  maxAttempts: number;
  /** Per-item time limit in ms overriding each tool's own, or null to use the tool's. */
  timeoutMs: number | null;
  /** Reuse earlier outputs for identical inputs. */
  cache: boolean;
  /** First retry delay in ms; doubles each attempt, with jitter, unless the provider asks for longer. */
  retryBaseMs: number;
}

/** A tool under a label with its own options (docs/suites.md). */
export interface RunVariant {
  label: string;
  toolId: string;
}

/** The variants of a run: stored ones, or for older runs one per tool under its own id. */
export function runVariants(run: Pick<Run, 'toolIds' | 'options'>): RunVariant[] {
  return run.options.variants ?? run.toolIds.map((id) => ({ label: id, toolId: id }));
}

@Entity('runs')
export class Run {
  @PrimaryColumn('varchar')
  id!: string;

  @Column('varchar')
  status!: RunStatus;

  @Column('simple-json', { name: 'case_ids' })
  caseIds!: string[];

  @Column('simple-json', { name: 'tool_ids' })
  toolIds!: string[];

  @Column('simple-json')
  options!: RunOptions;

  /** The day folder under the runs folder that this run's images go to (YYYY-MM-DD). */
  @Column('varchar', { name: 'day' })
  day!: string;

  @Column('varchar', { name: 'created_at' })
  createdAt!: string;

  @Column('varchar', { name: 'finished_at', nullable: true })
  finishedAt!: string | null;

  /** Last sign of life of the process executing the run; a stale one means the run was interrupted. */
  @Column('varchar', { name: 'heartbeat_at', nullable: true })
  heartbeatAt!: string | null;

  /** `<hostname>:<pid>` of the process executing the run, so a resume can tell a dead owner from a live one. */
  @Column('varchar', { nullable: true })
  owner!: string | null;

  /** The suite file the run came from (as given on the command line), or null. */
  @Column('varchar', { name: 'suite_path', nullable: true })
  suitePath!: string | null;

  /** SHA-256 of the suite file's content when the run was created, or null. */
  @Column('varchar', { name: 'suite_hash', nullable: true })
  suiteHash!: string | null;
}
