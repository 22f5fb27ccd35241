import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Account } from './account.entity';

/** A browser's session (its cookie) or a bearer token for the CLI. */
export type Credential = 'session' | 'token';

/**
 * A signed-in session or a bearer token: the row's id is the public half of what the holder presents
 * (`<id>.<secret>`), the secret is stored as its scrypt hash only.
 */
@Entity('account_sessions')
export class AccountSession {
  @PrimaryColumn('varchar')
  id!: string;

  @Index()
  @Column('integer', { name: 'account_id' })
  accountId!: number;

  @ManyToOne(() => Account, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: Account;

  @Column('varchar')
  kind!: Credential;

  @Column('varchar', { name: 'secret_hash' })
  secretHash!: string;

  @Column('varchar', { name: 'created_at' })
  createdAt!: string;

  /** When it stops working (ISO 8601); an expired row is deleted when next presented. */
  @Column('varchar', { name: 'expires_at' })
  expiresAt!: string;
}
