import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import WebSocket from 'ws';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { DemoCasesService } from '../libs/cases/demo-cases.service';
import type { ItemUpdated, RunEvent } from '../libs/core/run-events';
import type { RunDetail } from '../libs/runs/run-views';
import { useTempData } from './support/temp-data';

const TERMINAL = new Set(['scored', 'failed', 'canceled']);
const CONTRACT_FIELDS = ['type', 'case_id', 'tool_id', 'status', 'image_url', 'score'];

/** Collects a plain WebSocket's JSON frames until `done` says enough. */
function collectWs(url: string, done: (events: RunEvent[]) => boolean): Promise<RunEvent[]> {
  return new Promise((resolve, reject) => {
    const events: RunEvent[] = [];
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`WS timed out with ${events.length} events`)), 60_000);
    ws.on('message', (data: Buffer) => {
      events.push(JSON.parse(data.toString()) as RunEvent);
      if (done(events)) {
        clearTimeout(timer);
        ws.close();
        resolve(events);
      }
    });
    ws.on('error', reject);
  });
}

const finished = (events: RunEvent[]) => events.some((e) => e.type === 'run_finished');

describe('HTTP API and live channels', () => {
  let data: ReturnType<typeof useTempData>;
  let app: INestApplication;
  let base: string;
  let http: ReturnType<typeof request>;

  before(async () => {
    data = useTempData('api');
    await new DemoCasesService(data.settings).generate();
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
    base = serverUrl(app);
    http = request(base);
  });

  after(async () => {
    await app.close();
    data.dispose();
  });

  it('lists the demo test cases and the tools', async () => {
    const cases = await http.get('/api/test-cases').expect(200);
    assert.ok(cases.body.length >= 3);
    for (const c of cases.body) {
      assert.equal(c.valid, true, c.error);
      assert.match(c.template_url, /^\/datasets\//);
    }
    const template = await http.get(cases.body[0].template_url).expect(200);
    assert.equal(template.headers['content-type'], 'image/png');

    const tools = await http.get('/api/tools').expect(200);
    const ids = tools.body.map((t: { id: string }) => t.id);
    assert.ok(ids.includes('control_template') && ids.includes('control_paste'));
    assert.equal(JSON.stringify(tools.body).includes('sk-'), false);
  });

  it('runs a benchmark and streams every item to a terminal state over WebSocket, Socket.IO and SSE', async () => {
    const started = await http
      .post('/api/run')
      .send({ case_ids: 'all', tool_ids: ['control_template', 'control_paste'], options: { cache: false } })
      .expect(202);
    const runId: string = started.body.run_id;
    assert.match(runId, /^r\d{8}-\d{6}-[0-9a-f]{4}$/);

    const socket: Socket = io(base, { transports: ['websocket'], forceNew: true });
    const socketEvents: RunEvent[] = [];
    const socketDone = new Promise<void>((resolve) => {
      socket.on('update', (e: RunEvent) => socketEvents.push(e));
      socket.on('run_finished', (e: RunEvent) => {
        socketEvents.push(e);
        resolve();
      });
    });
    const ack = (await socket.emitWithAck('watch', runId)) as { ok: boolean };
    assert.equal(ack.ok, true);

    const wsEvents = await collectWs(`${base.replace('http', 'ws')}/api/run/${runId}`, finished);
    await socketDone;
    socket.close();

    const detail = (await http.get(`/api/runs/${runId}`).expect(200)).body as RunDetail;
    assert.equal(detail.status, 'finished');
    assert.equal(detail.items.length, detail.case_ids.length * 2);
    for (const item of detail.items) {
      assert.ok(
        TERMINAL.has(item.status) || item.status === 'generated',
        `${item.case_id} × ${item.tool_id}: ${item.status}`,
      );
      assert.equal(item.error, null);
      assert.match(
        item.image_url ?? '',
        /^\/runs\/\d{4}-\d{2}-\d{2}\/control_(template|paste)\/demo_[a-z_]+\.png$/,
      );
      await http.get(item.image_url!).expect(200).expect('content-type', 'image/png');
    }

    for (const events of [wsEvents, socketEvents]) {
      const updates = events.filter((e): e is ItemUpdated => e.type === 'update');
      for (const update of updates)
        for (const field of CONTRACT_FIELDS) assert.ok(field in update, `missing ${field}`);
      // The last update of each item agrees with the stored state.
      for (const item of detail.items) {
        const last = updates.filter((u) => u.item_id === item.id).at(-1);
        assert.equal(last?.status, item.status);
        assert.equal(last?.image_url, item.image_url);
      }
    }

    // A client that connects after the end still gets one update per item, then the end.
    const late = await collectWs(`${base.replace('http', 'ws')}/api/run/${runId}`, finished);
    assert.equal(late.filter((e) => e.type === 'update').length, detail.items.length);

    const sse = await fetch(`${base}/api/runs/${runId}/events`);
    assert.equal(sse.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = sse.body!.getReader();
    let text = '';
    while (!text.includes('run_finished')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    assert.equal(
      text.split('\n\n').filter((chunk) => chunk.includes('"type":"update"')).length,
      detail.items.length,
    );

    const runs = await http.get('/api/runs').expect(200);
    assert.equal(runs.body[0].id, runId);
  });

  it('rates items, keeps the history and shows the latest', async () => {
    const runId = (
      await http
        .post('/api/run')
        .send({ case_ids: 'all', tool_ids: ['control_template'] })
        .expect(202)
    ).body.run_id;
    await collectWs(`${base.replace('http', 'ws')}/api/run/${runId}`, finished);
    const item = ((await http.get(`/api/runs/${runId}`)).body as RunDetail).items[0];
    await http.post('/api/rate').send({ run_item_id: item.id, stars: 2 }).expect(200);
    const saved = await http.post('/api/rate').send({ run_item_id: item.id, stars: 4 }).expect(200);
    assert.deepEqual({ stars: saved.body.stars, ratings: saved.body.ratings }, { stars: 4, ratings: 2 });
    const after = ((await http.get(`/api/runs/${runId}`)).body as RunDetail).items[0];
    assert.equal(after.stars, 4);
    assert.equal(after.ratings, 2);

    for (const stars of [0, 6, 2.5, '5', undefined]) {
      const res = await http.post('/api/rate').send({ run_item_id: item.id, stars }).expect(400);
      assert.match(res.body.error, /stars/);
    }
    await http.post('/api/rate').send({ run_item_id: 999999, stars: 3 }).expect(404);
    const unchanged = ((await http.get(`/api/runs/${runId}`)).body as RunDetail).items[0];
    assert.equal(unchanged.stars, 4);
  });

  it("GET /api/runs/{id}/items/{itemId} answers one item in the shape of the run's items", async () => {
    const detail = ((await http.get('/api/runs')).body as RunDetail[])[0];
    const run = (await http.get(`/api/runs/${detail.id}?rater=ann`).expect(200)).body as RunDetail;
    for (const item of run.items) {
      const one = await http.get(`/api/runs/${run.id}/items/${item.id}?rater=ann`).expect(200);
      assert.deepEqual(one.body, item);
    }
    const other = ((await http.get('/api/runs')).body as RunDetail[]).find((r) => r.id !== run.id)!;
    const res = await http.get(`/api/runs/${other.id}/items/${run.items[0].id}`).expect(404);
    assert.match(res.body.error, /has no item/);
    assert.match(
      (await http.get(`/api/runs/${run.id}/items/x`).expect(400)).body.error,
      /itemId: must be a whole number/,
    );
    assert.match(
      (await http.get(`/api/runs/${run.id}/items/1?rater=${'x'.repeat(60)}`).expect(400)).body.error,
      /rater/,
    );
  });

  it('answers bad input with a 4xx JSON error and never a 5xx', async () => {
    const bad: Array<[string, () => request.Test, number, RegExp]> = [
      [
        'malformed JSON',
        () => http.post('/api/run').set('content-type', 'application/json').send('{"case_ids": ['),
        400,
        /JSON/i,
      ],
      ['empty lists', () => http.post('/api/run').send({ case_ids: [], tool_ids: [] }), 400, /case_ids/],
      [
        'unknown case',
        () => http.post('/api/run').send({ case_ids: ['nope'], tool_ids: ['control_template'] }),
        404,
        /unknown test case "nope"/,
      ],
      [
        'unknown tool',
        () => http.post('/api/run').send({ case_ids: 'all', tool_ids: ['nope'] }),
        404,
        /Unknown tool "nope"/,
      ],
      [
        'unknown field',
        () => http.post('/api/run').send({ case_ids: 'all', tool_ids: 'all', extra: 1 }),
        400,
        /extra/,
      ],
      [
        'bad option',
        () => http.post('/api/run').send({ case_ids: 'all', tool_ids: 'all', options: { concurrency: 0 } }),
        400,
        /concurrency/,
      ],
      ['array body', () => http.post('/api/rate').send([1, 2]), 400, /JSON object/],
      [
        'oversized body',
        () => http.post('/api/run').send({ case_ids: ['x'.repeat(400_000)], tool_ids: 'all' }),
        413,
        /too large/,
      ],
      ['unknown run', () => http.get('/api/runs/nope'), 404, /Unknown run/],
      ['cancel unknown run', () => http.post('/api/runs/nope/cancel'), 404, /Unknown run/],
      ['unknown route', () => http.get('/api/nope'), 404, /Cannot GET/],
      ['path traversal', () => http.get('/runs/..%2fswapbench.db'), 400, /inside the folder/],
      ['the database file', () => http.get('/runs/swapbench.db'), 404, /Not found/],
      ['dataset traversal', () => http.get('/datasets/%2e%2e/%2e%2e/etc/passwd'), 400, /inside the folder/],
    ];
    for (const [name, send, status, message] of bad) {
      const res = await send();
      assert.equal(res.status, status, `${name}: ${res.status} ${JSON.stringify(res.body)}`);
      assert.match(res.body.error, message, name);
    }
    const runs = await http.get('/api/runs').expect(200);
    assert.ok(runs.body.length >= 2, 'earlier runs are still listed');
  });

  it('publishes an OpenAPI description', async () => {
    const docs = await http.get('/api/docs').expect(200);
    assert.equal(docs.body.openapi, '3.0.0');
    for (const path of [
      '/api/test-cases',
      '/api/tools',
      '/api/run',
      '/api/rate',
      '/api/runs/{id}',
      '/api/runs/{id}/items/{itemId}',
    ])
      assert.ok(path in docs.body.paths, path);
  });
});
