import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import type { RunComparison } from '../libs/results/run-comparison';
import type { RunDetail } from '../libs/runs/run-views';
import { writeFaceCase } from './support/fixtures';
import { useTempData } from './support/temp-data';

// POST /api/run with variants and samples, the items and events that carry them, and GET /api/compare
// (docs/suites.md), against the real server with the real scorer.

describe('variants, samples and comparisons over HTTP', () => {
  let data: ReturnType<typeof useTempData>;
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  async function finished(runId: string): Promise<RunDetail> {
    for (let i = 0; i < 600; i++) {
      const run = (await http.get(`/api/runs/${runId}`).expect(200)).body as RunDetail;
      if (run.status !== 'running') return run;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`run ${runId} did not finish`);
  }

  before(async () => {
    data = useTempData('variants-api');
    await writeFaceCase(data.datasets, 'va_one');
    await writeFaceCase(data.datasets, 'va_two');
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
    http = request(serverUrl(app));
  });

  after(async () => {
    await app.close();
    data.dispose();
  });

  it('refuses bad variants and samples with 400 naming the field, storing nothing', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [
        { case_ids: 'all', variants: [{ tool_id: 'control_paste' }, { tool_id: 'control_paste' }] },
        /label "control_paste" is used twice/,
      ],
      [
        { case_ids: 'all', variants: [{ tool_id: 'control_paste', label: 'Bad Label' }] },
        /variants\[0\]\.label/,
      ],
      [{ case_ids: 'all', tool_ids: ['control_paste'], options: { samples: 0 } }, /options\.samples/],
      [{ case_ids: 'all' }, /tool_ids: give tool_ids, variants, or both/],
      [
        {
          case_ids: 'all',
          variants: [{ tool_id: 'classic_swap', label: 'soft', options: { feather: 'x' } }],
        },
        /Variant "soft": Option "feather" of tool "classic_swap" must be a number/,
      ],
    ];
    for (const [body, message] of bad) {
      const res = await http
        .post('/api/run')
        .send(body as object)
        .expect(400);
      assert.match(res.body.error, message);
    }
    assert.deepEqual((await http.get('/api/runs').expect(200)).body, []);
  });

  it('runs variants × samples, and compares two runs per variant over their cases', async () => {
    const body = {
      case_ids: ['va_one', 'va_two'],
      tool_ids: ['control_template'],
      variants: [{ tool_id: 'control_paste', label: 'paste' }],
      options: { samples: 2 },
    };
    const a = (await http.post('/api/run').send(body).expect(202)).body.run_id as string;
    const runA = await finished(a);
    assert.deepEqual(runA.variants, [
      { label: 'control_template', tool_id: 'control_template' },
      { label: 'paste', tool_id: 'control_paste' },
    ]);
    assert.equal(runA.samples, 2);
    assert.deepEqual(
      runA.items.map((i) => `${i.case_id}/${i.tool_id}/${i.variant}/${i.sample}/${i.status}`),
      ['va_one', 'va_two'].flatMap((c) => [
        `${c}/control_template/control_template/0/scored`,
        `${c}/control_template/control_template/1/scored`,
        `${c}/control_paste/paste/0/scored`,
        `${c}/control_paste/paste/1/scored`,
      ]),
    );

    const b = (await http.post('/api/run').send(body).expect(202)).body.run_id as string;
    // The events of the finished run, replayed over SSE, carry variant and sample.
    const events = await http
      .get(`/api/runs/${b}/events`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('"run_finished"') || (text.match(/"type":"update"/g) ?? []).length >= 8)
            (res as unknown as { destroy(): void }).destroy();
        });
        res.on('close', () => done(null, text));
        res.on('end', () => done(null, text));
      });
    const updates = String(events.body)
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { type: string; variant?: string; sample?: number });
    assert.ok(updates.some((e) => e.type === 'update' && e.variant === 'paste' && e.sample === 1));
    await finished(b);

    const comparison = (await http.get(`/api/compare?a=${a}&b=${b}`).expect(200)).body as RunComparison;
    assert.equal(comparison.a, a);
    assert.deepEqual(
      comparison.variants.map((v) => [v.variant, v.n_cases, v.delta]),
      [
        ['control_template', 2, 0],
        ['paste', 2, 0],
      ],
    );
    assert.equal(comparison.cases.length, 4);

    assert.match((await http.get(`/api/compare?a=${a}`).expect(400)).body.error, /Query parameter b/);
    assert.match((await http.get(`/api/compare?a=${a}&b=nope`).expect(404)).body.error, /Unknown run "nope"/);
  });
});
