import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { UserError } from '../core/user-error';
import { isUniqueViolation } from '../database/constraint-errors';
import { AccountSession, type Credential } from './account-session.entity';
import { Account } from './account.entity';
import { accountNameSchema, parseField, passwordSchema, roleSchema, type Role } from './account-input';
import { hashSecret, issueSecret, secretMatches, splitSecret } from './secret-hash';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long each secret works (docs/team.md, Accounts). */
export const LIFETIME_MS = {
  invite: 7 * DAY_MS,
  session: 14 * DAY_MS,
  token: 90 * DAY_MS,
} as const;

/** Who a request comes from, and through which session or token. */
export interface SignedIn {
  accountId: number;
  name: string;
  role: Role;
  credential: Credential;
  /** The session's or token's row id (not its secret), to sign out. */
  credentialId: string;
}

/** A new account and its one-time invite code (shown once, stored hashed). */
export interface NewAccount {
  name: string;
  role: Role;
  invite: string;
  invite_expires_at: string;
}

/** An account as the admin page and `users list` show it: never a secret or a hash. */
export interface AccountListing {
  name: string;
  role: Role;
  created_at: string;
  password_set: boolean;
  invite_pending: boolean;
  /** Sessions and tokens that still work. */
  signed_in: number;
}

/** How a person signs in: the invite code once, then name and password (once set). */
export type Credentials = { invite: string } | { name: string; password: string };

/** A started session or token: the text its holder presents, shown once. */
export interface Started {
  account: SignedIn;
  secret: string;
  expires_at: string;
}

const WRONG_PASSWORD = 'name or password is wrong';
const BAD_INVITE = 'invite: not valid (mistyped, already used or expired); ask an admin for a new one';

/**
 * Accounts of team mode: invites, sign-in, sessions and tokens. Every secret is stored as its scrypt hash
 * and compared in constant time; a wrong or forged secret is a 401 UserError or null, never a crash.
 */
@Injectable()
export class AccountsService {
  /** A hash to check a password against when the name is unknown, so both take as long. */
  private readonly decoy = hashSecret('not a password', 'password');

  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @InjectRepository(AccountSession) private readonly sessions: Repository<AccountSession>,
  ) {}

  /** Creates an account with a one-time invite; a taken name is a 409 naming it. */
  async add(name: unknown, role: unknown): Promise<NewAccount> {
    const account = {
      name: parseField(accountNameSchema, 'name', name),
      role: parseField(roleSchema, 'role', role),
    };
    const invite = issueSecret();
    const expires = new Date(Date.now() + LIFETIME_MS.invite).toISOString();
    await this.accounts
      .insert({
        ...account,
        passwordHash: null,
        inviteId: invite.id,
        inviteHash: await hashSecret(invite.secret, 'random'),
        inviteExpiresAt: expires,
        createdAt: new Date().toISOString(),
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) throw new UserError(`name: "${account.name}" is taken`, 409);
        throw error;
      });
    return { ...account, invite: invite.text, invite_expires_at: expires };
  }

  async list(): Promise<AccountListing[]> {
    const [accounts, sessions] = await Promise.all([
      this.accounts.find({ order: { name: 'ASC' } }),
      this.sessions.find({ select: { accountId: true, expiresAt: true } }),
    ]);
    const now = new Date().toISOString();
    return accounts.map((a) => ({
      name: a.name,
      role: a.role,
      created_at: a.createdAt,
      password_set: a.passwordHash !== null,
      invite_pending: a.inviteId !== null && (a.inviteExpiresAt ?? '') > now,
      signed_in: sessions.filter((s) => s.accountId === a.id && s.expiresAt > now).length,
    }));
  }

  /** Starts a session (a browser's cookie) or a token (the CLI's). Wrong credentials: a 401. */
  async signIn(credentials: Credentials, kind: Credential): Promise<Started> {
    const account =
      'invite' in credentials
        ? await this.useInvite(credentials.invite)
        : await this.checkPassword(credentials);
    const issued = issueSecret();
    const now = Date.now();
    const expires = new Date(now + LIFETIME_MS[kind]).toISOString();
    await this.sessions.insert({
      id: issued.id,
      accountId: account.id,
      kind,
      secretHash: await hashSecret(issued.secret, 'random'),
      createdAt: new Date(now).toISOString(),
      expiresAt: expires,
    });
    return {
      account: {
        accountId: account.id,
        name: account.name,
        role: account.role,
        credential: kind,
        credentialId: issued.id,
      },
      secret: issued.text,
      expires_at: expires,
    };
  }

  /**
   * Who presents `text` as a `kind` (a cookie's session, a bearer token): null when it is malformed,
   * unknown, forged or expired (an expired row is deleted).
   */
  async authenticate(text: string, kind: Credential): Promise<SignedIn | null> {
    const parts = splitSecret(text);
    if (!parts) return null;
    const row = await this.sessions.findOne({ where: { id: parts.id, kind }, relations: { account: true } });
    if (!row?.account || !(await secretMatches(parts.secret, row.secretHash))) return null;
    if (row.expiresAt <= new Date().toISOString()) {
      await this.sessions.delete({ id: row.id });
      return null;
    }
    const { account } = row;
    return {
      accountId: account.id,
      name: account.name,
      role: account.role,
      credential: kind,
      credentialId: row.id,
    };
  }

  /** Ends one session or token. */
  async signOut(who: SignedIn): Promise<void> {
    await this.sessions.delete({ id: who.credentialId, accountId: who.accountId });
  }

  /** Sets (or changes) the account's password; from then on it signs in with name and password. */
  async setPassword(who: SignedIn, password: unknown): Promise<void> {
    const valid = parseField(passwordSchema, 'password', password);
    await this.accounts.update({ id: who.accountId }, { passwordHash: await hashSecret(valid, 'password') });
  }

  /** The invite's account, its invite spent: an invite works once, even when two tries race. */
  private async useInvite(code: string): Promise<Account> {
    const parts = splitSecret(typeof code === 'string' ? code.trim() : '');
    if (!parts) throw new UserError(BAD_INVITE, 401);
    const account = await this.accounts.findOne({ where: { inviteId: parts.id } });
    if (!account?.inviteHash || !(await secretMatches(parts.secret, account.inviteHash))) {
      throw new UserError(BAD_INVITE, 401);
    }
    if ((account.inviteExpiresAt ?? '') <= new Date().toISOString()) throw new UserError(BAD_INVITE, 401);
    const spent = await this.accounts.update(
      { id: account.id, inviteId: parts.id },
      { inviteId: null, inviteHash: null, inviteExpiresAt: null },
    );
    if (spent.affected !== 1) throw new UserError(BAD_INVITE, 401);
    return account;
  }

  private async checkPassword(credentials: { name: string; password: string }): Promise<Account> {
    const account = await this.accounts.findOne({ where: { name: String(credentials.name) } });
    const stored = account?.passwordHash ?? (await this.decoy);
    const matches = await secretMatches(String(credentials.password), stored);
    if (!account?.passwordHash || !matches) throw new UserError(WRONG_PASSWORD, 401);
    return account;
  }
}
