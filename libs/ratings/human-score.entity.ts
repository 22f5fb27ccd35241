import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { RunItem } from '../runs/run-item.entity';

/** One human rating of a run item. Ratings are kept as a history; the latest one counts. */
@Entity('human_scores')
export class HumanScore {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Index()
  @Column('integer', { name: 'run_item_id' })
  runItemId!: number;

  @ManyToOne(() => RunItem, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_item_id' })
  item?: RunItem;

  @Column('integer')
  stars!: number;

  @Column('varchar', { name: 'created_at' })
  createdAt!: string;
}
