import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { RunExecutor } from '../libs/runs/run-executor';
import { RunCatchUp } from '../libs/web/live/run-catch-up';
import { writeFaceCases } from './support/fixtures';
import { useTempData } from './support/temp-data';

// The server stops even when a client asked for a run's event stream, got its headers, and the run is
// still being read for its catch-up at the moment the server is told to stop (seen once in a test run as a
// server that never exited after SIGTERM: the stream was registered for the shutdown only after the read).

let data: ReturnType<typeof useTempData>;
let app: INestApplication | undefined;

before(() => {
  data = useTempData('shutdown');
});

after(() => data.dispose());

it('stops while an SSE stream is still catching up, and the late catch-up writes nothing', async () => {
  const [caseId] = await writeFaceCases(data.datasets, 1, 'sd');
  app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
  const base = serverUrl(app);
  const started = await fetch(`${base}/api/run`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ case_ids: [caseId], tool_ids: ['control_template'] }),
  });
  const { run_id: runId } = (await started.json()) as { run_id: string };
  await app.get(RunExecutor).execute(runId);

  // Hold every catch-up until the server has been told to stop.
  const catchUp = app.get(RunCatchUp);
  const follow = catchUp.follow.bind(catchUp);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  catchUp.follow = async (...args) => {
    await held;
    return follow(...args);
  };

  const stream = await fetch(`${base}/api/runs/${runId}/events`);
  assert.equal(stream.status, 200);
  let timer: NodeJS.Timeout | undefined;
  const closing = app.close().then(() => 'closed');
  const outcome = await Promise.race([
    closing,
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still open after 10 s'), 10_000))),
  ]);
  clearTimeout(timer);
  // Let a failing run of this test end instead of hanging on the open connection.
  if (outcome !== 'closed') (app.getHttpServer() as Server).closeAllConnections();
  release();
  await stream.body?.cancel().catch(() => undefined);
  assert.equal(outcome, 'closed');
  // The catch-up finishing after the stop must not write to the ended stream (an error event would
  // surface here as an uncaught exception failing the test).
  await new Promise((resolve) => setTimeout(resolve, 200));
});
