import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { filesUnder, makeTempData, writeFaceCases } from './support/fixtures';
import { HOSTILE_CONTENT_TYPES, HOSTILE_JSON_BODIES, HOSTILE_PATH_VALUES } from './support/hostile-corpus';
import { errorOf, rawRequest, type RawRequest } from './support/raw-http';
import { queryDatabase, tableNames } from './support/database-probe';

// Issue 8, hostile input: every route of the OpenAPI description (GET /api/docs) and every route outside
// it (files, app fragments, assets), and the Socket.IO and plain WebSocket channels, are fed a corpus of
// bad input. Every HTTP answer is a 4xx `{ "error": "..." }`; nothing stored changes; the server lives.

const data = makeTempData('hostile');
let app: INestApplication;
let base: string;
let runId: string;

before(async () => {
  await writeFaceCases(data.datasets, 2, 'tc');
  delete process.env.OPENAI_API_KEY;
  app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
  base = serverUrl(app);
  const started = await rawRequest(base, {
    method: 'POST',
    path: '/api/run',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ case_ids: 'all', tool_ids: ['control_template'], options: { cache: false } }),
  });
  runId = (JSON.parse(started.body) as { run_id: string }).run_id;
  for (let i = 0; i < 600; i++) {
    const run = JSON.parse((await rawRequest(base, { path: `/api/runs/${runId}` })).body) as {
      status: string;
    };
    if (run.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

after(async () => {
  await app?.close();
  data.cleanup();
});

/** Everything stored: every row of every table, and every file (with size and mtime) of both folders. */
async function storedState(): Promise<string> {
  const tables = await tableNames(data);
  assert.ok(tables.includes('run_items'), `the tables are read: ${tables.join(', ')}`);
  const rows = await Promise.all(
    tables.map(async (name) => [name, await queryDatabase(data, `SELECT * FROM "${name}" ORDER BY 1`)]),
  );
  const files = [data.runs, data.datasets].flatMap((root) =>
    filesUnder(root)
      .filter((f) => !f.startsWith('swapbench.db'))
      .sort()
      .map((f) => `${f} ${statSync(join(root, f)).size} ${statSync(join(root, f)).mtimeMs}`),
  );
  return JSON.stringify({ rows, files });
}

interface Attempt extends RawRequest {
  name: string;
}

/** Every hostile HTTP request: OpenAPI routes × path values, bodies and content types, and the rest. */
async function hostileRequests(): Promise<Attempt[]> {
  const docs = JSON.parse((await rawRequest(base, { path: '/api/docs' })).body) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const json = { 'Content-Type': 'application/json' };
  const attempts: Attempt[] = [];
  for (const [template, methods] of Object.entries(docs.paths)) {
    for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
      const hasBody = method === 'POST';
      if (template.includes('{')) {
        for (const [name, value] of HOSTILE_PATH_VALUES)
          attempts.push({
            name: `${method} ${template} id=${name}`,
            method,
            path: template.replace(/\{[^}]+\}/g, value),
            headers: json,
            body: hasBody ? '{}' : undefined,
          });
      }
      // Bodies go to the real run, so that only the body can be what is wrong.
      const path = template.replace(/\{[^}]+\}/g, runId);
      if (!hasBody) continue;
      for (const [name, body] of HOSTILE_JSON_BODIES)
        attempts.push({ name: `${method} ${template} body=${name}`, method, path, headers: json, body });
      for (const type of HOSTILE_CONTENT_TYPES)
        attempts.push({
          name: `${method} ${template} content-type=${type}`,
          method,
          path,
          headers: { 'Content-Type': type },
          body: '{"case_ids":"all","tool_ids":["control_template"],"run_item_id":1,"stars":3}',
        });
    }
  }
  for (const [name, value] of HOSTILE_PATH_VALUES) {
    for (const path of [
      `/runs/${value}`,
      `/runs/${value}/x.png`,
      `/datasets/${value}/template.png`,
      `/_astro/${value}`,
      `/app/runs/${value}/grid`,
      `/app/runs/${runId}/items/${value}`,
      `/api/test-cases/${value}?archive=${value}`,
    ])
      attempts.push({
        name: `${path.split('/').slice(0, 3).join('/')} ${name}`,
        path,
        method: path.startsWith('/api/test-cases') ? 'DELETE' : 'GET',
      });
  }
  attempts.push({
    name: 'PATCH a run',
    method: 'PATCH',
    path: `/api/runs/${runId}`,
    headers: json,
    body: '{}',
  });
  attempts.push({ name: 'PUT the runs list', method: 'PUT', path: '/api/runs', headers: json, body: '[]' });
  attempts.push({ name: 'DELETE a run', method: 'DELETE', path: `/api/runs/${runId}` });
  return attempts;
}

it(
  'answers every hostile HTTP request with a 4xx JSON error and changes nothing stored',
  { timeout: 60_000 },
  async () => {
    const before = await storedState();
    const statuses = new Map<number, number>();
    const attempts = await hostileRequests();
    for (const attempt of attempts) {
      const res = await rawRequest(base, attempt);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(
        res.status >= 400 && res.status < 500,
        `${attempt.name}: ${res.status} ${res.body.slice(0, 200)}`,
      );
      const error = errorOf(res);
      assert.doesNotMatch(error, /\n\s+at |\/work\/|node_modules|Error:/, `${attempt.name}: ${error}`);
    }
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    assert.equal(await storedState(), before, 'nothing stored changed');
    const alive = await rawRequest(base, { path: `/api/runs/${runId}` });
    assert.equal(alive.status, 200);
    console.log(
      `# hostile HTTP: ${attempts.length} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    );
  },
);

it(
  'survives hostile Socket.IO messages and plain WebSocket paths and frames',
  { timeout: 30_000 },
  async () => {
    const before = await storedState();
    const socket = io(base, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', resolve);
      socket.on('connect_error', reject);
    });
    const payloads: unknown[] = [
      null,
      42,
      true,
      {},
      [],
      ['a'],
      { run: runId },
      'x'.repeat(100_000),
      '..%2f..',
      '💥\u0000',
      '',
    ];
    for (const payload of payloads) {
      const ack = (await socket.timeout(5000).emitWithAck('watch', payload)) as {
        ok: boolean;
        error?: string;
      };
      assert.equal(ack.ok, false, JSON.stringify(payload).slice(0, 60));
      assert.ok(typeof ack.error === 'string' && ack.error.length > 0);
      await socket.timeout(5000).emitWithAck('unwatch', payload);
    }
    socket.emit('no-such-event', { a: 1 });
    const good = (await socket.timeout(5000).emitWithAck('watch', runId)) as { ok: boolean };
    assert.equal(good.ok, true, 'the socket still works after the bad messages');
    socket.close();

    const wsBase = base.replace('http', 'ws');
    const outcomes = new Map<string, number>();
    for (const [, value] of HOSTILE_PATH_VALUES) {
      const outcome = await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${wsBase}/api/run/${value}`);
        ws.on('unexpected-response', (_req, res) => (ws.terminate(), resolve(`http ${res.statusCode}`)));
        ws.on('close', (code) => resolve(`close ${code}`));
        ws.on('error', () => undefined);
      });
      assert.match(outcome, /^(http 4\d\d|close 4404)$/, value);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // A frame over the size limit closes that one connection (1009), nothing else.
    const big = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${wsBase}/api/run/${runId}`);
      ws.on('open', () => ws.send('x'.repeat(10_000)));
      ws.on('close', (code) => resolve(code));
      ws.on('error', () => undefined);
    });
    assert.equal(big, 1009);
    assert.equal(await storedState(), before, 'nothing stored changed');
    assert.equal((await rawRequest(base, { path: '/api/runs' })).status, 200, 'the server lives');
    console.log(
      `# hostile sockets: ${payloads.length} Socket.IO payloads ok:false; WS paths ${JSON.stringify(Object.fromEntries(outcomes))}; oversized frame → 1009`,
    );
  },
);
