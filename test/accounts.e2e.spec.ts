import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { AccountsService } from '../libs/accounts/accounts.service';
import { RunsService } from '../libs/runs/runs.service';
import { cliEnv, startSwapbench, swapbench } from './support/cli';
import { socketIoHandshake } from './support/socket-handshake';
import { settingsFor } from './support/temp-data';
import { makeTempData, writeFaceCases, type TempData } from './support/fixtures';

// docs/api.md §2.0 and docs/team.md, Accounts: in team mode every route but the sign-in needs a session or
// a bearer token (401), a rater may rate and vote as themself but not run or edit (403), and a wrong,
// forged or expired secret is a 401, never a 5xx. Team mode needs Postgres: without
// SWAPBENCH_TEST_DATABASE_URL these tests are skipped. No run is executed: the runs are created only.

const server = process.env.SWAPBENCH_TEST_DATABASE_URL;
const needsServer = { skip: !server && 'SWAPBENCH_TEST_DATABASE_URL names no Postgres server (team mode)' };
const REDIS = 'redis://127.0.0.1:6379';

describe('accounts of a team server', needsServer, () => {
  let data: TempData;
  let app: INestApplication;
  let base: string;
  let accounts: AccountsService;
  let admin: string;
  let rater: string;
  let itemIds: number[];
  let runId: string;

  /** Signs `name` in with a new invite as `role`; resolves with the session cookie (`name=value`). */
  async function signIn(name: string, role: 'admin' | 'rater'): Promise<string> {
    const { invite } = await accounts.add(name, role);
    const res = await request(base).post('/api/login').send({ invite });
    assert.equal(res.status, 200, res.text);
    return String(res.headers['set-cookie'][0]).split(';')[0];
  }

  before(async () => {
    data = makeTempData('accounts');
    const settings = settingsFor(
      { datasets: data.datasets, runs: data.runs, databaseUrl: data.databaseUrl },
      { SWAPBENCH_REDIS_URL: REDIS },
    );
    assert.ok(settings.teamMode);
    const [caseId] = await writeFaceCases(data.datasets, 1, 'tc');
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings });
    base = serverUrl(app);
    accounts = app.get(AccountsService);
    admin = await signIn('ada', 'admin');
    rater = await signIn('rita', 'rater');
    const { run } = await app.get(RunsService).create({
      case_ids: [caseId],
      tool_ids: ['control_template', 'control_paste'],
    });
    runId = run.id;
    const detail = await app.get(RunsService).detail(run.id);
    itemIds = detail.items.map((i) => i.id);
    // Outputs to judge, without executing the run: the HTTP surface is what is tested here.
    for (const [n, id] of itemIds.entries()) {
      await app
        .get(DataSource)
        .query(`UPDATE "run_items" SET "status" = 'scored', "image_path" = $1 WHERE "id" = $2`, [
          `out_${n}.png`,
          id,
        ]);
    }
  });

  after(async () => {
    await app?.close();
    data?.cleanup();
  });

  describe('signed out', () => {
    it('is a 401 JSON on every kind of route', async () => {
      for (const [method, path] of [
        ['GET', '/api/runs'],
        ['GET', `/api/runs/${runId}`],
        ['GET', `/api/runs/${runId}/events`],
        ['GET', `/api/runs/${runId}/report`],
        ['GET', '/api/test-cases'],
        ['GET', '/api/docs'],
        ['GET', '/api/account'],
        ['POST', '/api/run'],
        ['POST', '/api/rate'],
        ['POST', '/api/logout'],
        ['GET', '/app/cases'],
        ['GET', `/app/runs/${runId}/grid`],
        ['GET', `/app/items/${itemIds[0]}/image`],
        ['GET', '/runs/anything.png'],
        ['GET', '/datasets/tc_01/template.png'],
        ['GET', '/admin'],
      ] as const) {
        const agent = request(base);
        const res = await (method === 'GET' ? agent.get(path) : agent.post(path)).set(
          'Accept',
          'application/json',
        );
        assert.equal(res.status, 401, `${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.match(res.body.error, /sign in/i, `${method} ${path}`);
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="swapbench"');
      }
    });

    it('shows the login page, with status 401, in place of a page', async () => {
      for (const path of ['/', '/arena', '/admin']) {
        const res = await request(base).get(path).set('Accept', 'text/html');
        assert.equal(res.status, 401, path);
        assert.match(res.text, /data-testid="login"/, path);
        assert.doesNotMatch(res.text, /data-testid="run-form"/, path);
      }
      const login = await request(base).get('/login');
      assert.equal(login.status, 200);
      assert.match(login.text, /data-testid="invite-code"/);
    });

    it('refuses the Socket.IO handshake and the plain WebSocket upgrade', async () => {
      assert.equal(await socketIoHandshake(base, {}), 'refused');
      assert.equal(await plainSocket(base, runId, {}), 'http 401');
      assert.equal(await socketIoHandshake(base, { Cookie: rater }), 'connected');
      assert.match(await plainSocket(base, runId, { Cookie: rater }), /^opened/);
    });
  });

  describe('signing in', () => {
    it('sets an httpOnly, SameSite=Strict session cookie, Secure only behind TLS', async () => {
      const plain = await request(base)
        .post('/api/login')
        .send({ invite: (await accounts.add('cookie-a', 'rater')).invite });
      const cookie = String(plain.headers['set-cookie'][0]);
      assert.match(cookie, /^swapbench_session=[0-9a-f]{32}\.[A-Za-z0-9_-]{43}; /);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Strict/);
      assert.match(cookie, /; Path=\//);
      assert.doesNotMatch(cookie, /Secure/);
      assert.deepEqual(Object.keys(plain.body).sort(), ['expires_at', 'name', 'role']);
      assert.equal(plain.headers['cache-control'], 'no-store');
      // A reverse proxy on this machine says the request came over TLS.
      const proxied = await request(base)
        .post('/api/login')
        .set('X-Forwarded-Proto', 'https')
        .send({ invite: (await accounts.add('cookie-b', 'rater')).invite });
      assert.match(String(proxied.headers['set-cookie'][0]), /; Secure/);
    });

    it('takes an invite once', async () => {
      const { invite } = await accounts.add('once', 'rater');
      assert.equal((await request(base).post('/api/login').send({ invite })).status, 200);
      const again = await request(base).post('/api/login').send({ invite });
      assert.equal(again.status, 401);
      assert.match(again.body.error, /invite: not valid/);
      assert.equal(again.headers['set-cookie'], undefined);
    });

    it('sets a password after the invite, then signs in with it; a wrong one is a 401', async () => {
      const cookie = await signIn('pat', 'rater');
      const short = await request(base)
        .post('/api/account/password')
        .set('Cookie', cookie)
        .send({ password: 'short' });
      assert.equal(short.status, 400);
      assert.match(short.body.error, /^password: must be at least 10/);
      const set = await request(base)
        .post('/api/account/password')
        .set('Cookie', cookie)
        .send({ password: 'pat has a long password' });
      assert.deepEqual(set.body, { name: 'pat', password_set: true });
      const wrong = await request(base)
        .post('/api/login')
        .send({ name: 'pat', password: 'pat has a long passworD' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error, 'name or password is wrong');
      const right = await request(base)
        .post('/api/login')
        .send({ name: 'pat', password: 'pat has a long password' });
      assert.equal(right.status, 200);
      assert.ok(!JSON.stringify(right.body).includes('password'), 'no password in the answer');
    });

    it('answers malformed sign-ins with a 400 or 401, never a 5xx', async () => {
      for (const body of [
        {},
        { invite: 5 },
        { invite: 'x', name: 'a' },
        { name: 'a' },
        { invite: '' },
        { invite: 'é'.repeat(150) },
      ]) {
        const res = await request(base).post('/api/login').send(body);
        assert.ok(res.status === 400 || res.status === 401, `${JSON.stringify(body)}: ${res.status}`);
      }
    });
  });

  describe('bearer tokens', () => {
    it('are given with {"token": true}, work in the Authorization header and never in a query string', async () => {
      const { invite } = await accounts.add('cli-user', 'admin');
      const login = await request(base).post('/api/login').send({ invite, token: true });
      assert.equal(login.status, 200);
      assert.equal(login.headers['set-cookie'], undefined, 'a token, not a cookie');
      const { token } = login.body as { token: string };
      const me = await request(base).get('/api/account').set('Authorization', `Bearer ${token}`);
      assert.deepEqual(me.body, { name: 'cli-user', role: 'admin' });
      for (const query of [`token=${token}`, `access_token=${token}`]) {
        const leaked = await request(base).get(`/api/runs?${query}`).set('Authorization', `Bearer ${token}`);
        assert.equal(leaked.status, 401, query);
        assert.match(leaked.body.error, /query string.*Authorization: Bearer/);
      }
      assert.equal(await socketIoHandshake(base, { Authorization: `Bearer ${token}` }), 'connected');
      const events = await request(base)
        .get(`/api/runs/${runId}/events?token=${token}`)
        .set('Authorization', `Bearer ${token}`);
      assert.equal(events.status, 401);
      // Signing out with the token revokes it.
      assert.equal(
        (await request(base).post('/api/logout').set('Authorization', `Bearer ${token}`)).status,
        200,
      );
      assert.equal(
        (await request(base).get('/api/account').set('Authorization', `Bearer ${token}`)).status,
        401,
      );
    });

    it('refuses forged, tampered and expired sessions and tokens with a 401', async () => {
      const { invite } = await accounts.add('expiring', 'rater');
      const token = (await request(base).post('/api/login').send({ invite, token: true })).body
        .token as string;
      const [id, secret] = token.split('.');
      const forged = [
        `Bearer ${'0'.repeat(32)}.${secret}`,
        `Bearer ${id}.${secret.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))}`,
        'Bearer ',
        'Basic YWxpY2U6cGFzcw==',
        `Bearer ${token} extra`,
      ];
      for (const authorization of forged) {
        const res = await request(base).get('/api/runs').set('Authorization', authorization);
        assert.equal(res.status, 401, authorization);
      }
      for (const cookie of [
        'swapbench_session=nope',
        'swapbench_session=%E0%A4%A',
        `swapbench_session=${token}`,
        rater.replace(/.$/, '!'),
      ]) {
        const res = await request(base).get('/api/runs').set('Cookie', cookie);
        assert.equal(res.status, 401, cookie);
        assert.match(res.body.error, /session has ended|sign in/i);
      }
      await app
        .get(DataSource)
        .query(`UPDATE "account_sessions" SET "expires_at" = '2000-01-01T00:00:00.000Z' WHERE "id" = $1`, [
          id,
        ]);
      const expired = await request(base).get('/api/runs').set('Authorization', `Bearer ${token}`);
      assert.equal(expired.status, 401);
    });
  });

  describe('a rater', () => {
    it('may read runs and pages', async () => {
      assert.equal((await request(base).get('/api/runs').set('Cookie', rater)).status, 200);
      const page = await request(base).get('/').set('Cookie', rater).set('Accept', 'text/html');
      assert.equal(page.status, 200);
      assert.match(page.text, /data-testid="account-name">rita</);
      assert.doesNotMatch(page.text, /data-testid="admin-link"/);
      assert.match(page.text, /data-testid="run-form"[^>]* hidden/);
      const events = await request(base)
        .get(`/api/runs/${runId}/events`)
        .set('Cookie', rater)
        .buffer(false)
        .parse((res, done) => {
          res.once('data', () => (res as unknown as { destroy(): void }).destroy());
          res.on('error', () => done(null, null));
          res.on('close', () => done(null, null));
        });
      assert.equal(events.status, 200);
    });

    it('may not start, cancel or edit: 403 JSON naming the role, and nothing changes', async () => {
      for (const [method, path, body] of [
        ['post', '/api/run', { case_ids: 'all', tool_ids: ['control_template'] }],
        ['post', `/api/runs/${runId}/cancel`, {}],
        ['post', '/api/test-cases', {}],
        ['post', '/api/test-cases/faces', {}],
        ['delete', '/api/test-cases/tc_01', undefined],
        ['get', '/api/accounts', undefined],
        ['post', '/api/accounts', { name: 'sneaky', role: 'admin' }],
        ['get', '/admin', undefined],
      ] as const) {
        const res = await request(base)[method](path).set('Cookie', rater).send(body);
        assert.equal(res.status, 403, `${method} ${path}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.match(res.body.error, /only an admin may do this \(rita is a rater\)/);
      }
      assert.equal((await app.get(RunsService).list()).length, 1, 'no run started');
      assert.equal(
        (await accounts.list()).some((a) => a.name === 'sneaky'),
        false,
      );
      assert.equal((await request(base).get('/api/test-cases').set('Cookie', rater)).body.length, 1);
    });

    it('rates and votes as themself, whatever the body says', async () => {
      const rated = await request(base)
        .post('/api/rate')
        .set('Cookie', rater)
        .send({ run_item_id: itemIds[0], stars: 4, rater: 'someone-else' });
      assert.equal(rated.status, 200, rated.text);
      assert.equal(rated.body.rater, 'rita');
      const vote = await request(base)
        .post('/api/votes')
        .set('Cookie', rater)
        .send({ left_item_id: itemIds[0], right_item_id: itemIds[1], winner: 'left', rater: 'ada' });
      assert.equal(vote.status, 201, vote.text);
      const db = app.get(DataSource);
      assert.deepEqual(await db.query('SELECT "rater", "stars" FROM "human_scores"'), [
        { rater: 'rita', stars: 4 },
      ]);
      assert.deepEqual(await db.query('SELECT "rater" FROM "arena_votes"'), [{ rater: 'rita' }]);
      // Their own stars, whichever rater the query names.
      const detail = await request(base).get(`/api/runs/${runId}?rater=ada`).set('Cookie', rater);
      assert.equal(detail.body.items.find((i: { id: number }) => i.id === itemIds[0]).my_stars, 4);
    });
  });

  describe('swapbench users', () => {
    const env = () =>
      cliEnv(data, { SWAPBENCH_REDIS_URL: REDIS, SWAPBENCH_PUBLIC_URL: 'https://bench.example.org/' });

    it('add --json prints the invite and its link, which signs in once', async () => {
      const added = await swapbench(['users', 'add', 'from-cli', '--role', 'rater', '--json'], env());
      assert.equal(added.code, 0, added.stderr);
      const printed = JSON.parse(added.stdout) as { name: string; role: string; invite: string; url: string };
      assert.deepEqual(Object.keys(printed).sort(), ['invite', 'name', 'role', 'url']);
      assert.equal(printed.name, 'from-cli');
      assert.equal(printed.role, 'rater');
      assert.equal(printed.url, `https://bench.example.org/login#invite=${printed.invite}`);
      assert.equal(added.stderr, '');
      const login = await request(base).post('/api/login').send({ invite: printed.invite });
      assert.equal(login.status, 200);
      assert.equal(login.body.name, 'from-cli');
      const list = await swapbench(['users', 'list', '--json'], env());
      assert.equal(list.code, 0, list.stderr);
      assert.ok((JSON.parse(list.stdout) as Array<{ name: string }>).some((a) => a.name === 'from-cli'));
    });

    it('refuses a taken name with exit 2', async () => {
      const taken = await swapbench(['users', 'add', 'rita', '--role', 'rater'], env());
      assert.equal(taken.code, 2);
      assert.match(taken.stderr, /name: "rita" is taken/);
    });
  });

  describe('swapbench serve in team mode', () => {
    it('listens on 0.0.0.0 with accounts on', { timeout: 60_000 }, async () => {
      const child = startSwapbench(
        ['serve', '--port', '0', '--host', '0.0.0.0'],
        cliEnv(data, { SWAPBENCH_REDIS_URL: REDIS }),
      );
      let stdout = '';
      let stderr = '';
      child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      try {
        const deadline = Date.now() + 45_000;
        while (!/running at (\S+)/.test(stdout)) {
          if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve: ${stdout}${stderr}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.match(stderr, /Listening on 0\.0\.0\.0: .*every request must be signed in/);
        const port = /:(\d+) /.exec(stdout)![1];
        const anonymous = await request(`http://127.0.0.1:${port}`).get('/api/runs');
        assert.equal(anonymous.status, 401);
        const signedIn = await request(`http://127.0.0.1:${port}`).get('/api/runs').set('Cookie', admin);
        assert.equal(signedIn.status, 200);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });

  describe('run --server against a team server', () => {
    it('needs a valid token of an admin: exit 2 naming why, and no run', async () => {
      const { invite } = await accounts.add('cli-rater', 'rater');
      const raterToken = (await request(base).post('/api/login').send({ invite, token: true })).body
        .token as string;
      const run = ['run', '--server', base, '--cases', 'tc_01', '--tools', 'control_template'];
      for (const [extra, message] of [
        [[], /needs a token: --token <t>/],
        [
          ['--token', `${'0'.repeat(32)}.${'A'.repeat(43)}`],
          /--token: .* refused it \(The bearer token is not valid/,
        ],
        [
          ['--token', raterToken],
          /refused: POST \/api\/run: only an admin may do this \(cli-rater is a rater\)/,
        ],
      ] as const) {
        const result = await swapbench([...run, ...extra], cliEnv(data, { SWAPBENCH_REDIS_URL: REDIS }));
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, message);
        assert.ok(!result.stderr.includes(raterToken), 'the token is not printed');
      }
      assert.equal((await app.get(RunsService).list()).length, 1, 'no run started');
    });
  });

  describe('an admin', () => {
    it('sees who is signed in and may invite, list and cancel', async () => {
      assert.deepEqual((await request(base).get('/api/account').set('Cookie', admin)).body, {
        name: 'ada',
        role: 'admin',
      });
      const invited = await request(base)
        .post('/api/accounts')
        .set('Cookie', admin)
        .send({ name: 'newbie', role: 'rater' });
      assert.equal(invited.status, 201, invited.text);
      assert.equal(invited.body.url, `${base}/login#invite=${invited.body.invite}`);
      const taken = await request(base)
        .post('/api/accounts')
        .set('Cookie', admin)
        .send({ name: 'newbie', role: 'rater' });
      assert.equal(taken.status, 409);
      const bad = await request(base)
        .post('/api/accounts')
        .set('Cookie', admin)
        .send({ name: 'New Bie', role: 'rater' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, /^name: /);
      const list = await request(base).get('/api/accounts').set('Cookie', admin);
      assert.ok(
        list.body.some(
          (a: { name: string; invite_pending: boolean }) => a.name === 'newbie' && a.invite_pending,
        ),
      );
      assert.ok(!JSON.stringify(list.body).includes('scrypt'), 'no hash leaves the server');
      const page = await request(base).get('/admin').set('Cookie', admin);
      assert.equal(page.status, 200);
      assert.match(page.text, /data-testid="account-newbie"/);
      const cancel = await request(base).post(`/api/runs/${runId}/cancel`).set('Cookie', admin);
      assert.notEqual(cancel.status, 403);
      assert.ok(cancel.status < 500, `cancel: ${cancel.status} ${cancel.text}`);
    });

    it('signs out: the cookie is cleared and the session no longer works', async () => {
      const cookie = await signIn('leaving', 'admin');
      const out = await request(base).post('/api/logout').set('Cookie', cookie);
      assert.deepEqual(out.body, { signed_out: 'leaving' });
      assert.match(String(out.headers['set-cookie'][0]), /^swapbench_session=; .*Expires=Thu, 01 Jan 1970/);
      assert.equal((await request(base).get('/api/runs').set('Cookie', cookie)).status, 401);
    });
  });
});

/** Outcome of a plain WebSocket upgrade to `/api/run/<id>` with the given headers. */
function plainSocket(base: string, runId: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/run/${runId}`, { headers });
    ws.on('unexpected-response', (_req, res) => (ws.terminate(), resolve(`http ${res.statusCode}`)));
    ws.on('open', () => (ws.close(), resolve('opened')));
    ws.on('error', (error) => resolve(`error ${error.message}`));
  });
}

describe('accounts outside team mode', () => {
  const data = makeTempData('no-accounts');
  let app: INestApplication;
  let base: string;

  before(async () => {
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
    base = serverUrl(app);
  });
  after(async () => {
    await app?.close();
    data.cleanup();
  });

  it('needs no sign-in, and has no accounts to sign in to', async () => {
    assert.equal((await request(base).get('/api/runs')).status, 200);
    const page = await request(base).get('/').set('Accept', 'text/html');
    assert.equal(page.status, 200);
    assert.match(page.text, /data-testid="rater-form"/);
    assert.doesNotMatch(page.text, /data-testid="account-bar"/);
    const login = await request(base).post('/api/login').send({ invite: 'x' });
    assert.equal(login.status, 404);
    assert.match(login.body.error, /not in team mode/);
    assert.equal((await request(base).get('/api/accounts')).status, 404);
    const loginPage = await request(base).get('/login');
    assert.equal(loginPage.status, 303);
    assert.equal(loginPage.headers.location, '/');
  });

  it('users add names a bad name or role (exit 2), and needs team mode', async () => {
    const env = cliEnv({ ...data, databaseUrl: undefined });
    for (const [args, message] of [
      [['users', 'add', 'Not A Name', '--role', 'rater'], /name: must be 1–40 lower-case/],
      [['users', 'add', 'alice', '--role', 'owner'], /--role: must be one of admin, rater/],
      [['users', 'add', 'alice'], /required option '--role <role>'/],
      [['users', 'add', 'alice', '--role', 'rater'], /Accounts exist in team mode only/],
      [['users', 'list'], /Accounts exist in team mode only/],
    ] as const) {
      const result = await swapbench([...args], env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });
});
