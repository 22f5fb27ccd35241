import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One human rating of a run item by one rater. Ratings are kept as a history; a rater's latest row for
 * an item is the rating in force, and a row without stars withdraws it.
 */
@Entity('human_scores')
export class HumanScore {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Index()
  @Column('integer', { name: 'run_item_id' })
  runItemId!: number;

  // The rated item, named rather than imported: ratings sit below runs (a run's detail carries its
  // ratings), and the foreign key is all this table needs of run_items.
  @ManyToOne('RunItem', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_item_id' })
  item?: object;

  /** Who rated: a name of 1–40 characters; ratings from before raters existed are `anonymous`. */
  @Column('varchar', { default: 'anonymous' })
  rater!: string;

  /** 1–5, or null when the rater withdrew the rating. */
  @Column('integer', { nullable: true })
  stars!: number | null;

  /** Given with tool names and machine scores hidden. */
  @Column('boolean', { default: false })
  blind!: boolean;

  @Column('varchar', { name: 'created_at' })
  createdAt!: string;
}
