import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import type { RunEvent } from '../libs/core/run-events';
import type { RunDetail } from '../libs/runs/run-views';
import type { ToolSummary } from '../libs/tools/tools.registry';
import type { FakeScenario } from './fake-openai/fake-openai.scenarios';
import { FakeOpenAIServer, type RecordedRequest } from './fake-openai/fake-openai.server';
import { cliEnv, swapbench, type CliResult } from './support/cli';
import { databaseText } from './support/database-probe';
import { HOSTED_KEY_ENV, HostedFakes } from './support/hosted-fakes';
import { filesUnder, writeFaceCase } from './support/fixtures';
import { settingsFor, useTempData } from './support/temp-data';

/** Recognizable and random, so that any copy of them anywhere is found and nothing else matches. */
const OPENAI_KEY = `sk-swapbench-SECRET-${randomBytes(12).toString('hex')}`;
/** Not `sk-` shaped: only the explicit list of secrets, not the key pattern, can redact it. */
const COMPAT_KEY = `swapbench-COMPAT-SECRET-${randomBytes(12).toString('hex')}`;
const COMPAT_ENV = 'SWAPBENCH_TEST_COMPAT_KEY';
const COMPAT_TOOL = 'compat_secret';
/** The hosted services of docs/tools.md, each against its own fake; their keys are random per process too. */
const HOSTED = Object.keys(HOSTED_KEY_ENV) as Array<keyof typeof HOSTED_KEY_ENV>;
const TOOLS = ['baseline_gpt', COMPAT_TOOL, 'baseline_dalle3', ...HOSTED];
/** The hosted fakes and their keys; started before the NEEDLES are needed. */
let hosted: HostedFakes;

/**
 * What the fake server answers per case: tc_02 is refused with a 401 and tc_03 with a 403, and both
 * answers quote the caller's key (as OpenAI does). The case's prompt reaches every request body that
 * matters (the edit's `prompt`, the vision model's instructions), so the marker picks the case.
 */
const CASE_FAULTS: Record<string, FakeScenario> = { tc_01: 'ok', tc_02: 'auth_401', tc_03: 'forbidden_403' };

function scenarioFor(request: RecordedRequest): FakeScenario {
  const body = JSON.stringify([request.fields, request.json]);
  const caseId = /\[case (tc_\d\d)\]/.exec(body)?.[1];
  return caseId ? (CASE_FAULTS[caseId] ?? 'ok') : 'ok';
}

/**
 * The strings that would give a key away: the key, its first 16 and last 12 characters (providers
 * quote keys with the middle masked), and its base64 forms at each of the three byte alignments.
 */
function needles(name: string, key: string): Array<[string, string]> {
  const found: Array<[string, string]> = [
    [`${name} (whole)`, key],
    [`${name}'s first 16 chars`, key.slice(0, 16)],
    [`${name}'s last 12 chars`, key.slice(-12)],
  ];
  for (let shift = 0; shift < 3; shift++) {
    const whole = key.slice(shift, shift + 3 * Math.floor((key.length - shift) / 3));
    found.push([`${name} in base64 (shift ${shift})`, Buffer.from(whole).toString('base64')]);
  }
  return found;
}

let NEEDLES: Array<[string, string]> = [];

/** Which secret strings `text` contains, by description; empty when none. */
function leaksIn(text: string | Buffer): string[] {
  const haystack = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return NEEDLES.filter(([, needle]) => haystack.includes(needle)).map(([what]) => what);
}

/** A plain WebSocket's JSON frames until `run_finished`. */
function followWs(url: string): Promise<RunEvent[]> {
  return new Promise((resolve, reject) => {
    const events: RunEvent[] = [];
    const ws = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`WS: ${events.length} events, no run_finished`)), 20_000);
    ws.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString()) as RunEvent;
      events.push(event);
      if (event.type === 'run_finished') {
        clearTimeout(timer);
        ws.close();
        resolve(events);
      }
    });
    ws.on('error', reject);
  });
}

/** Every Socket.IO event of a run (catch-up and live) until `run_finished`. */
async function followSocketIo(base: string, runId: string): Promise<RunEvent[]> {
  const socket = io(base, { transports: ['websocket'], forceNew: true });
  const events: RunEvent[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Socket.IO: ${events.length} events`)), 20_000);
    socket.onAny((_name: string, event: RunEvent) => {
      events.push(event);
      if (event.type === 'run_finished') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const ack = (await socket.emitWithAck('watch', runId)) as { ok: boolean };
  assert.equal(ack.ok, true);
  await done;
  socket.close();
  return events;
}

/** The raw text of the SSE stream until `run_finished`. */
async function followSse(base: string, runId: string): Promise<string> {
  const res = await fetch(`${base}/api/runs/${runId}/events`, { signal: AbortSignal.timeout(20_000) });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('"type":"run_finished"')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

async function getText(url: string): Promise<string> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return res.text();
}

describe('API keys never leave the process: API, pages, live channels, reports, files, logs, CLI', () => {
  let data: ReturnType<typeof useTempData>;
  let fake: FakeOpenAIServer;
  let app: INestApplication;
  let base: string;
  let env: NodeJS.ProcessEnv;
  let debugEnv: NodeJS.ProcessEnv;
  /** Everything a user or another program can read, by where it was seen. */
  const surfaces = new Map<string, string | Buffer>();
  const serverLog: string[] = [];
  const savedEnv = { ...process.env };
  const writes = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };

  before(async () => {
    data = useTempData('secrets');
    for (const id of Object.keys(CASE_FAULTS))
      await writeFaceCase(data.datasets, id, { prompt: `Swap the face. [case ${id}]` });
    fake = await FakeOpenAIServer.start();
    fake.faults = { pick: scenarioFor, retryAfter: { seconds: '0', ms: '10' } };
    hosted = await HostedFakes.start();
    // The hosted tools' images are checked in their own runner tests; here their refusals keep the
    // three runs of this test from scoring five more images each.
    hosted.answer('tc_01', 'refused');
    hosted.answer('tc_02', 'bad_key');
    hosted.answer('tc_03', 'forbidden');
    NEEDLES = [
      ...needles('OPENAI_API_KEY', OPENAI_KEY),
      ...needles(COMPAT_ENV, COMPAT_KEY),
      ...HOSTED.flatMap((id) => needles(HOSTED_KEY_ENV[id], hosted.keys[id])),
    ];
    const config = join(data.root, 'swapbench.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        openai_compatible: [
          {
            id: COMPAT_TOOL,
            name: 'Compat server with a key',
            base_url: fake.baseURL,
            model: 'gpt-image-1',
            api_key_env: COMPAT_ENV,
          },
        ],
      }),
    );
    const keys = {
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: fake.baseURL,
      SWAPBENCH_CONFIG: config,
      [COMPAT_ENV]: COMPAT_KEY,
      ...hosted.env(),
    };
    // The keys are in this process's environment, where the tools read them; the config file is a setting.
    Object.assign(process.env, keys);
    delete process.env.SWAPBENCH_CONFIG;
    env = cliEnv(data, keys);
    // With SWAPBENCH_DEBUG the CLI logs all it can (to stdout, so not for --json), and its logs are searched too.
    debugEnv = cliEnv(data, { ...keys, SWAPBENCH_DEBUG: '1' });
    // What Nest and anything else in this process prints while the server runs is kept and searched.
    process.stdout.write = (chunk: string | Uint8Array, ...rest: never[]) => (
      serverLog.push(String(chunk)),
      writes.out(chunk, ...rest)
    );
    process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => (
      serverLog.push(String(chunk)),
      writes.err(chunk, ...rest)
    );
    app = await startServer({
      port: 0,
      host: '127.0.0.1',
      logger: ['log', 'error', 'warn'],
      settings: settingsFor(data, { SWAPBENCH_CONFIG: config }),
    });
    base = serverUrl(app);
  });

  after(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    await app?.close();
    await fake?.close();
    await hosted?.close();
    process.env = { ...savedEnv };
    data?.dispose();
  });

  it('lists the tools with their availability and without their keys', async () => {
    const tools = JSON.parse(await getText(`${base}/api/tools`)) as ToolSummary[];
    const byId = new Map(tools.map((t) => [t.id, t]));
    assert.equal(byId.get('baseline_gpt')?.available, true);
    assert.equal(byId.get(COMPAT_TOOL)?.available, true);
    // The fake server does not serve dall-e-3: the probe's answer is shown, not the key it was asked with.
    assert.equal(byId.get('baseline_dalle3')?.available, false);
    assert.match(byId.get('baseline_dalle3')?.reason ?? '', /removed the DALL·E models/);
    surfaces.set('GET /api/tools', JSON.stringify(tools));

    const page = await getText(`${base}/`);
    assert.match(page, new RegExp(`data-tool-id="${COMPAT_TOOL}"`));
    assert.match(page, /data-testid="tool-reason-baseline_dalle3"/);
    surfaces.set('GET /', page);
  });

  it('runs the API tools through success, 401, 403 and 404, and follows them on every channel', async () => {
    const started = await fetch(`${base}/api/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ case_ids: 'all', tool_ids: TOOLS, options: { cache: false } }),
    });
    assert.equal(started.status, 202);
    const runId = ((await started.json()) as { run_id: string }).run_id;
    const [wsEvents, ioEvents, sse] = await Promise.all([
      followWs(`${base.replace('http', 'ws')}/api/run/${runId}`),
      followSocketIo(base, runId),
      followSse(base, runId),
    ]);
    for (const [channel, events] of [
      ['WebSocket', wsEvents],
      ['Socket.IO', ioEvents],
    ] as const) {
      assert.ok(
        events.some((e) => e.type === 'update' && e.error !== null),
        `${channel} saw a failure`,
      );
      surfaces.set(`${channel} events`, JSON.stringify(events));
    }
    assert.match(sse, /"status":"failed"/);
    surfaces.set('SSE stream', sse);

    const detail = JSON.parse(await getText(`${base}/api/runs/${runId}`)) as RunDetail;
    assert.equal(detail.status, 'finished');
    assert.equal(detail.items.length, 3 * TOOLS.length);
    surfaces.set('GET /api/runs/{id}', JSON.stringify(detail));
    surfaces.set('GET /api/runs', await getText(`${base}/api/runs`));
    surfaces.set('GET /app/runs/{id}/grid', await getText(`${base}/app/runs/${runId}/grid`));
    surfaces.set('GET /api/runs/{id}/report', await getText(`${base}/api/runs/${runId}/report`));

    // The same env in the CLI: a run of its own, the tools, and a report of the server's run.
    const cli: Record<string, CliResult> = {};
    const reportFile = join(data.root, 'report-cli.html');
    [cli['swapbench tools --json'], cli['swapbench tools'], cli['swapbench report']] = await Promise.all([
      swapbench(['tools', '--json'], env),
      swapbench(['tools'], debugEnv),
      swapbench(['report', runId, '--out', reportFile], debugEnv),
    ]);
    const runArgs = ['run', '--cases', 'all', '--tools', TOOLS.join(','), '--no-cache'];
    cli['swapbench run --json'] = await swapbench([...runArgs, '--json'], env);
    // On a pipe, `run` prints a line per finished item (with its error) and then a results table.
    cli['swapbench run'] = await swapbench(runArgs, debugEnv);
    for (const [command, result] of Object.entries(cli)) {
      assert.equal(result.code, 0, `${command}: ${result.stderr}`);
      surfaces.set(`${command} stdout`, result.stdout);
      surfaces.set(`${command} stderr`, result.stderr);
    }

    // Checked after every surface is collected, so that a redaction bug also shows in the search below.
    const item = (caseId: string, toolId: string) =>
      detail.items.find((i) => i.case_id === caseId && i.tool_id === toolId)!;
    for (const toolId of HOSTED) assert.match(item('tc_01', toolId).error ?? '', /^Refused by /, toolId);
    for (const toolId of ['baseline_gpt', COMPAT_TOOL])
      assert.ok(item('tc_01', toolId).image_url, `${toolId} made an image for tc_01`);
    for (const toolId of TOOLS) {
      assert.equal(item('tc_02', toolId).status, 'failed');
      assert.match(item('tc_02', toolId).error ?? '', /rejected the API key from \w+ \(401\)/);
      // The 403 quoted the key; what reaches the item is the provider's sentence with the key cut out.
      assert.match(item('tc_03', toolId).error ?? '', /\(403\): .*\[redacted\] lacks access/);
    }
    assert.match(item('tc_01', 'baseline_dalle3').error ?? '', /does not serve model "dall-e-3" \(404\)/);
    const cliRun = JSON.parse(cli['swapbench run --json'].stdout) as {
      items: Array<{ image_path: string | null; error: string | null }>;
    };
    // The fake server's image has no face, so even the two images may fail at scoring: the point is generation.
    const images = cliRun.items.filter((i) => i.image_path !== null && existsSync(i.image_path));
    assert.equal(images.length, 2, 'tc_01 × the two edit tools');
    assert.equal(
      cliRun.items.filter((i) => i.error !== null && !i.error.startsWith('Scoring failed')).length,
      7 + 3 * HOSTED.length,
      'the same provider failures from the CLI',
    );
    assert.match(
      cli['swapbench run'].stderr,
      /\(403\): .*\[redacted\] lacks access/,
      'item lines were printed',
    );
    const cliTools = JSON.parse(cli['swapbench tools --json'].stdout) as ToolSummary[];
    assert.equal(cliTools.find((t) => t.id === COMPAT_TOOL)?.available, true);
  });

  it('sent both keys to the provider and left them nowhere else', async () => {
    // The keys were really used, and the provider really echoed them back.
    const sent = new Set(fake.requests.map((r) => r.authorization));
    assert.ok(sent.has(`Bearer ${OPENAI_KEY}`), 'the OpenAI key went to the fake server');
    assert.ok(sent.has(`Bearer ${COMPAT_KEY}`), 'the compatible server key went to the fake server');
    assert.ok(fake.served.includes('auth_401') && fake.served.includes('forbidden_403'));
    // The search finds what it looks for: every needle is in what the fake server received, as text
    // and base64-encoded at each alignment.
    const credentials = hosted.receivedCredentials();
    for (const id of HOSTED)
      assert.ok(
        credentials.some((c) => c.includes(hosted.keys[id])),
        `the ${HOSTED_KEY_ENV[id]} key went to its fake server`,
      );
    const received = [...sent, ...credentials].join('\n');
    const encoded = [0, 1, 2].map((pad) => Buffer.from(' '.repeat(pad) + received).toString('base64'));
    assert.deepEqual(
      leaksIn([received, ...encoded].join('\n')),
      NEEDLES.map(([what]) => what),
    );

    const files = filesUnder(data.root);
    const database = data.databaseUrl ? [] : ['runs/swapbench.db'];
    for (const expected of [...database, 'report-cli.html', 'swapbench.config.json'])
      assert.ok(files.includes(expected), `${expected} exists`);
    surfaces.set('database rows', await databaseText(data));
    assert.ok(
      files.some((f) => f.startsWith('runs/') && f.endsWith('.json')),
      'sidecars were written',
    );
    for (const file of files) surfaces.set(file, readFileSync(join(data.root, file)));
    assert.ok(
      serverLog.some((line) => line.includes(`tool(s) from`)),
      'the server log was captured',
    );
    surfaces.set('server log', serverLog.join(''));

    const leaks = [...surfaces].flatMap(([where, text]) =>
      leaksIn(text).map((what) => `${what} in ${where}`),
    );
    assert.deepEqual(leaks, [], `secrets leaked:\n${leaks.join('\n')}`);
    assert.ok(surfaces.size > 25, `searched ${surfaces.size} places`);
  });
});
