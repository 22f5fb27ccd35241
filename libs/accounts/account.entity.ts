import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from './account-input';

/**
 * A person who may use a team server (docs/team.md, Accounts): a rater or an admin. Secrets are stored
 * hashed only (secret-hash.ts): the password once one is set, and the invite until it is used.
 */
@Entity('accounts')
export class Account {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  /** The account's name, which is also its rater name on every rating and vote. */
  @Column('varchar', { unique: true })
  name!: string;

  @Column('varchar')
  role!: Role;

  /** The password's scrypt hash; null until the person sets one. */
  @Column('varchar', { name: 'password_hash', nullable: true })
  passwordHash!: string | null;

  /** The id part of the pending invite code; null once it is used. */
  @Column('varchar', { name: 'invite_id', nullable: true, unique: true })
  inviteId!: string | null;

  /** The scrypt hash of the pending invite's secret part. */
  @Column('varchar', { name: 'invite_hash', nullable: true })
  inviteHash!: string | null;

  /** When the pending invite stops working (ISO 8601). */
  @Column('varchar', { name: 'invite_expires_at', nullable: true })
  inviteExpiresAt!: string | null;

  @Column('varchar', { name: 'created_at' })
  createdAt!: string;
}
