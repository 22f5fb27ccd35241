import { Test, type TestingModule } from '@nestjs/testing';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { useTempData } from '../../test/support/temp-data';
import { SettingsModule } from '../core/config/settings.module';
import { UserError } from '../core/user-error';
import { AccountsModule } from './accounts.module';
import { AccountsService } from './accounts.service';
import { hashSecret, issueSecret, secretMatches } from './secret-hash';

// docs/team.md, Accounts: invites work once, secrets are stored hashed, and a wrong, forged or expired
// secret signs nobody in. On the test's database (SQLite, or Postgres with SWAPBENCH_TEST_DATABASE_URL).

function refusedWith(status: number, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('secret hashes', () => {
  it('match their secret only, and differ for the same secret (salted)', async () => {
    const a = await hashSecret('correct horse battery', 'password');
    const b = await hashSecret('correct horse battery', 'password');
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await secretMatches('correct horse battery', a), true);
    assert.equal(await secretMatches('correct horse batterY', a), false);
  });

  it('never match a stored value of another shape or an absurd cost', async () => {
    for (const stored of [
      '',
      'plain',
      'scrypt$1$8$1$AA$AA',
      'scrypt$1073741824$8$1$AAAA$' + 'A'.repeat(43),
    ]) {
      assert.equal(await secretMatches('x', stored), false, stored);
    }
  });
});

describe('AccountsService', () => {
  const data = useTempData('accounts');
  let app: TestingModule;
  let accounts: AccountsService;
  let db: DataSource;

  before(async () => {
    app = await Test.createTestingModule({
      imports: [SettingsModule.forRoot(data.settings), AccountsModule],
    }).compile();
    await app.init();
    accounts = app.get(AccountsService);
    db = app.get(DataSource);
  });
  after(async () => {
    await app?.close();
    data.dispose();
  });

  it('creates an account whose invite works once, and stores only hashes', async () => {
    const created = await accounts.add('alice', 'rater');
    assert.match(created.invite, /^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    const rows: Array<Record<string, unknown>> = await db.query('SELECT * FROM "accounts"');
    const stored = JSON.stringify(rows);
    assert.ok(!stored.includes(created.invite.split('.')[1]), 'the invite secret is not stored');
    const first = await accounts.signIn({ invite: created.invite }, 'session');
    assert.equal(first.account.name, 'alice');
    assert.equal(first.account.role, 'rater');
    await assert.rejects(
      accounts.signIn({ invite: created.invite }, 'session'),
      refusedWith(401, /invite: not valid/),
    );
    const sessions = JSON.stringify(await db.query('SELECT * FROM "account_sessions"'));
    assert.ok(!sessions.includes(first.secret.split('.')[1]), 'the session secret is not stored');
    assert.deepEqual(await accounts.authenticate(first.secret, 'session'), first.account);
  });

  it('lets only one of two racing sign-ins spend an invite', async () => {
    const { invite } = await accounts.add('racer', 'rater');
    const outcomes = await Promise.allSettled([
      accounts.signIn({ invite }, 'session'),
      accounts.signIn({ invite }, 'token'),
      accounts.signIn({ invite }, 'session'),
    ]);
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
  });

  it('refuses a taken name (409), a bad name or role (400), naming the field', async () => {
    await accounts.add('bob', 'admin');
    await assert.rejects(accounts.add('bob', 'rater'), refusedWith(409, /^name: "bob" is taken/));
    await assert.rejects(
      accounts.add('Bob Smith', 'rater'),
      refusedWith(400, /^name: must be 1–40 lower-case/),
    );
    await assert.rejects(
      accounts.add('anonymous', 'rater'),
      refusedWith(400, /^name: must not be "anonymous"/),
    );
    await assert.rejects(
      accounts.add('carol', 'owner'),
      refusedWith(400, /^role: must be one of admin, rater/),
    );
  });

  it('signs in with name and password once one is set, and refuses a wrong one alike', async () => {
    const { invite } = await accounts.add('dave', 'rater');
    const session = await accounts.signIn({ invite }, 'session');
    await assert.rejects(
      accounts.signIn({ name: 'dave', password: 'anything at all' }, 'session'),
      refusedWith(401, /^name or password is wrong$/),
    );
    await assert.rejects(
      accounts.setPassword(session.account, 'short'),
      refusedWith(400, /^password: must be at least 10/),
    );
    await accounts.setPassword(session.account, 'a long enough password');
    const token = await accounts.signIn({ name: 'dave', password: 'a long enough password' }, 'token');
    assert.equal(token.account.credential, 'token');
    for (const [name, password] of [
      ['dave', 'a long enough passworD'],
      ['nobody', 'a long enough password'],
    ]) {
      await assert.rejects(
        accounts.signIn({ name, password }, 'session'),
        refusedWith(401, /^name or password is wrong$/),
      );
    }
    // A token is not a session, nor the other way round.
    assert.equal(await accounts.authenticate(token.secret, 'session'), null);
    assert.equal(await accounts.authenticate(session.secret, 'token'), null);
    assert.equal((await accounts.authenticate(token.secret, 'token'))?.name, 'dave');
  });

  it('knows no forged, tampered or expired session, and forgets an expired one', async () => {
    const { invite } = await accounts.add('erin', 'admin');
    const session = await accounts.signIn({ invite }, 'session');
    const [id, secret] = session.secret.split('.');
    const tampered = `${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const text of ['', 'x', issueSecret().text, tampered, `${id}.`, `${id}.${secret}.x`]) {
      assert.equal(await accounts.authenticate(text, 'session'), null, text);
    }
    await db.query(
      `UPDATE "account_sessions" SET "expires_at" = '2000-01-01T00:00:00.000Z' WHERE "id" = '${id}'`,
    );
    assert.equal(await accounts.authenticate(session.secret, 'session'), null);
    const left: unknown[] = await db.query(`SELECT "id" FROM "account_sessions" WHERE "id" = '${id}'`);
    assert.equal(left.length, 0, 'the expired session was deleted');
  });

  it('ends a session on sign-out and refuses an expired invite', async () => {
    const created = await accounts.add('frank', 'rater');
    await db.query(
      `UPDATE "accounts" SET "invite_expires_at" = '2000-01-01T00:00:00.000Z' WHERE "name" = 'frank'`,
    );
    await assert.rejects(accounts.signIn({ invite: created.invite }, 'session'), refusedWith(401, /invite/));
    const { invite } = await accounts.add('grace', 'rater');
    const session = await accounts.signIn({ invite }, 'session');
    await accounts.signOut(session.account);
    assert.equal(await accounts.authenticate(session.secret, 'session'), null);
  });

  it('lists accounts without a secret or a hash', async () => {
    const list = await accounts.list();
    const alice = list.find((a) => a.name === 'alice');
    assert.deepEqual(Object.keys(alice ?? {}).sort(), [
      'created_at',
      'invite_pending',
      'name',
      'password_set',
      'role',
      'signed_in',
    ]);
    assert.equal(alice?.signed_in, 1);
    assert.equal(
      list.find((a) => a.name === 'frank')?.invite_pending,
      false,
      'an expired invite is not pending',
    );
  });
});
