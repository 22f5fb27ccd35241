import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What a rater can answer when shown two outputs of one case. */
export const WINNERS = ['left', 'right', 'tie', 'both_bad'] as const;
export type Winner = (typeof WINNERS)[number];

/** One pairwise vote of the arena: two items of the same case, shown left and right, and the verdict. */
@Entity('arena_votes')
export class ArenaVote {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column('integer', { name: 'left_item_id' })
  leftItemId!: number;

  @Column('integer', { name: 'right_item_id' })
  rightItemId!: number;

  @Column('varchar', { name: 'case_id' })
  caseId!: string;

  @Column('varchar')
  winner!: Winner;

  @Column('varchar')
  rater!: string;

  @Column('varchar', { name: 'created_at' })
  createdAt!: string;
}
