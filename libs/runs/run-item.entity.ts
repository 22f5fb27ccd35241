import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { AttemptFailure, ItemErrorCode, ItemStatus, ScoreBreakdown } from '../core/run-events';
import { Run } from './run.entity';

@Entity('run_items')
export class RunItem {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column('varchar', { name: 'run_id' })
  runId!: string;

  @ManyToOne(() => Run, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id' })
  run?: Run;

  /** Order of the item in its run (case-major), so listings are stable. */
  @Column('integer')
  position!: number;

  @Column('varchar', { name: 'case_id' })
  caseId!: string;

  @Column('varchar', { name: 'tool_id' })
  toolId!: string;

  /**
   * The variant's label (docs/suites.md): the tool id unless the run gave the tool a label with its own
   * options.
   */
  @Column('varchar', { default: '' })
  variant!: string;

  /** Which of the variant's samples of the case this is, 0-based. */
  @Column('integer', { default: 0 })
  sample!: number;

  @Column('varchar')
  status!: ItemStatus;

  /** Hash of the case content, tool id, options, the tool's fingerprint and the sample: equal keys mean equal inputs. */
  @Index()
  @Column('varchar', { name: 'cache_key' })
  cacheKey!: string;

  @Column('boolean', { default: false })
  cached!: boolean;

  /** Output image, relative to the runs folder. Reserved before generation starts; unique across runs. */
  @Column('varchar', { name: 'image_path', nullable: true })
  imagePath!: string | null;

  @Column('integer', { default: 0 })
  attempts!: number;

  @Column('real', { nullable: true })
  score!: number | null;

  /** Version of the scorer that gave `score` (`SwapEvaluator.version`); null for scores from before versions. */
  @Column('text', { name: 'scorer_version', nullable: true })
  scorerVersion!: string | null;

  @Column('simple-json', { nullable: true })
  breakdown!: ScoreBreakdown | null;

  @Column('text', { nullable: true })
  error!: string | null;

  /** Why the item failed (or its last attempt did, while it retries), as a code runs count by; null otherwise. */
  @Column('varchar', { name: 'error_code', nullable: true })
  errorCode!: ItemErrorCode | null;

  /** Every failed attempt of the item, oldest first (JSON); null before the first. */
  @Column('simple-json', { name: 'attempt_failures', nullable: true })
  attemptFailures!: AttemptFailure[] | null;

  /** What the tool reported beside the image (model, cost, revised prompt, ...). */
  @Column('simple-json', { nullable: true })
  meta!: Record<string, unknown> | null;

  @Column('integer', { name: 'latency_ms', nullable: true })
  latencyMs!: number | null;

  @Column('real', { name: 'cost_usd', nullable: true })
  costUsd!: number | null;

  @Column('varchar', { name: 'started_at', nullable: true })
  startedAt!: string | null;

  @Column('varchar', { name: 'finished_at', nullable: true })
  finishedAt!: string | null;
}
