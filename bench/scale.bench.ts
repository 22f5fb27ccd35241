import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { RunEvent } from '../libs/core/run-events';
import { packageRoot } from '../libs/core/package-root';
import { writeFaceCases } from '../test/support/fixtures';
import { useTempData } from '../test/support/temp-data';

/**
 * Team mode at scale (issue "Team mode"), on this machine's Postgres and Redis:
 *   (a) scoring throughput with one and with two worker processes (`--concurrency 1` each) against one
 *       server: fresh one-face outputs (the template with a few pixels changed, so nothing is cached)
 *       scored per second from the run's start to its end, and the ratio of two workers to one (the ideal
 *       on two cores is 2);
 *   (b) a 2,000-item run with two workers: the server's peak RSS, the growth of the Postgres database,
 *       and the latency of the `scored` events at 50 Socket.IO clients (from the worker's write of the
 *       item to the client's receipt: p50, p95, max).
 * `npm run bench -- scale`; `SCALE_ITEMS` changes the 2,000 of (b), `SCALE_PARTS=a` runs one part;
 * `SCALE_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/postgres) and `SCALE_REDIS_URL`
 * (default redis://127.0.0.1:6379) name the servers.
 */

const SERVER = process.env.SCALE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.SCALE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ITEMS = Number(process.env.SCALE_ITEMS ?? 2000);
const PARTS = process.env.SCALE_PARTS ?? 'ab';
const THROUGHPUT_ITEMS = 40;
const CLIENTS = 50;
const BIN = join(packageRoot(), 'bin', 'swapbench.js');

/** A plugin of `count` tools that answer at once with the template, a few pixels changed each call. */
function writePlugin(root: string): string {
  const file = join(root, 'fresh-tools.js');
  writeFileSync(
    file,
    `const sharp = require(${JSON.stringify(require.resolve('sharp'))});
let calls = 0;
async function changeFewPixels(template) {
  const { data, info } = await sharp(template).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const n = ++calls + process.pid * 1000;
  for (let k = 0; k < 4; k++) {
    const i = ((n * 7919 + k * 104729) % (info.width * info.height)) * 3;
    data[i] = (data[i] + 128) % 256;
  }
  return sharp(data, { raw: info }).png({ compressionLevel: 1 }).toBuffer();
}
module.exports = ({ options }) => Array.from({ length: options.count }, (_, k) => ({
  id: 'fresh_' + k,
  name: 'Fresh output ' + k,
  description: 'The template with a few pixels changed',
  kind: 'control', concurrency: 8, timeoutMs: 120000, options: {},
  availability: async () => ({ available: true }),
  generate: async (input) => ({ ok: true, image: await changeFewPixels(input.template), meta: { model: 'none' } }),
}));
`,
  );
  return file;
}

/** A database of its own on the Postgres server, migrated; dropped at the end. */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `swapbench_scale_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  execFileSync(process.execPath, [BIN, 'db', 'migrate'], {
    env: { ...process.env, SWAPBENCH_DATABASE_URL: url.toString() },
  });
  return {
    url: url.toString(),
    drop: async () => {
      const again = new Client({ connectionString: SERVER });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await again.end();
    },
  };
}

/** Starts a swapbench process and resolves once its stdout says `ready`. */
function startProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = ready.exec(out);
      if (match) resolve({ child, match });
    });
    child.once('exit', (code) => reject(new Error(`swapbench ${args[0]} exited (${code}): ${out}`)));
  });
}

/** The resident memory of a process, in MB (Linux). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function databaseMb(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ size: string }>(
    'SELECT pg_database_size(current_database()) AS size',
  );
  await client.end();
  return Number(rows[0].size) / 2 ** 20;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Team {
  base: string;
  /** An admin's bearer token: every request of team mode is signed in. */
  headers: Record<string, string>;
  server: ChildProcess;
  env: NodeJS.ProcessEnv;
  stop: () => Promise<void>;
}

/** A team: a server and `workers` worker processes with folders of their own, on a fresh database. */
async function startTeam(
  root: string,
  datasets: string,
  config: string,
  workers: number,
  workerArgs: string[],
): Promise<Team> {
  const database = await freshDatabase();
  const env = {
    ...process.env,
    SWAPBENCH_DATABASE_URL: database.url,
    SWAPBENCH_REDIS_URL: REDIS,
    SWAPBENCH_CONFIG: config,
    SWAPBENCH_DATASETS: datasets,
    SWAPBENCH_RUNS: join(root, `server-runs-${database.url.slice(-8)}`),
  };
  const { child: server, match } = await startProcess(['serve', '--port', '0'], env, /running at (\S+)/);
  const children = [server];
  for (let w = 0; w < workers; w++) {
    const own = join(root, `worker-${w}-${database.url.slice(-8)}`);
    const { child } = await startProcess(
      ['worker', ...workerArgs],
      { ...env, SWAPBENCH_DATASETS: join(own, 'datasets'), SWAPBENCH_RUNS: join(own, 'runs') },
      /is taking jobs/,
    );
    children.push(child);
  }
  const base = match[1].replace('localhost', '127.0.0.1');
  const { invite } = JSON.parse(
    execFileSync(process.execPath, [BIN, 'users', 'add', 'bench', '--role', 'admin', '--json'], {
      env,
      encoding: 'utf8',
    }),
  ) as { invite: string };
  const login = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ invite, token: true }),
  });
  const { token } = (await login.json()) as { token: string };
  return {
    base,
    headers: { Authorization: `Bearer ${token}` },
    server,
    env,
    stop: async () => {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
      await database.drop();
    },
  };
}

/** Starts a run on the team and resolves with its id and the clients' events once it has finished. */
async function runOnTeam(
  team: Team,
  request: object,
  clients: number,
): Promise<{ runId: string; seconds: number; received: Array<Map<number, number>> }> {
  const sockets: Socket[] = [];
  const received: Array<Map<number, number>> = [];
  const finished: Array<Promise<void>> = [];
  for (let c = 0; c < clients; c++) {
    const socket = io(team.base, { transports: ['websocket'], forceNew: true, extraHeaders: team.headers });
    const scoredAt = new Map<number, number>();
    sockets.push(socket);
    received.push(scoredAt);
    finished.push(
      new Promise((resolve) => {
        socket.on('update', (e: RunEvent) => {
          if (e.type === 'update' && e.status === 'scored') scoredAt.set(e.item_id, Date.now());
        });
        socket.on('run_finished', () => resolve());
      }),
    );
  }
  const started = performance.now();
  const response = await fetch(`${team.base}/api/run`, {
    method: 'POST',
    headers: { ...team.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (response.status !== 202) throw new Error(`the run was refused: ${await response.text()}`);
  const { run_id: runId } = (await response.json()) as { run_id: string };
  await Promise.all(sockets.map((s) => s.emitWithAck('watch', runId)));
  await Promise.all(finished);
  const seconds = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.close();
  return { runId, seconds, received };
}

async function main(): Promise<void> {
  const data = useTempData('scale');
  try {
    const cases = await writeFaceCases(data.datasets, 10, 'sc');
    const config = join(data.root, 'swapbench.config.json');
    writeFileSync(
      config,
      JSON.stringify({ plugins: [{ module: writePlugin(data.root), options: { count: 4 } }] }),
    );

    if (PARTS.includes('a')) {
      const rates: number[] = [];
      for (const workers of [1, 2]) {
        const team = await startTeam(data.root, data.datasets, config, workers, ['--concurrency', '1']);
        try {
          const request = {
            case_ids: [cases[0]],
            tool_ids: ['fresh_0'],
            options: { cache: false, samples: THROUGHPUT_ITEMS },
          };
          // A first small run loads the face models in every worker.
          await runOnTeam(team, { ...request, options: { ...request.options, samples: 2 * workers } }, 1);
          const { seconds } = await runOnTeam(team, request, 1);
          rates.push(THROUGHPUT_ITEMS / seconds);
          console.log(
            `(a) ${workers} worker${workers > 1 ? 's' : ''}: ${THROUGHPUT_ITEMS} fresh outputs in ${seconds.toFixed(1)} s = ` +
              `${(THROUGHPUT_ITEMS / seconds).toFixed(2)} scored/s`,
          );
        } finally {
          await team.stop();
        }
      }
      console.log(`(a) two workers / one: ${(rates[1] / rates[0]).toFixed(2)}× (ideal on 2 cores: 2×)`);
    }

    if (PARTS.includes('b')) {
      const team = await startTeam(data.root, data.datasets, config, 2, []);
      try {
        const before = await databaseMb(team.env.SWAPBENCH_DATABASE_URL!);
        let peak = rssMb(team.server.pid!);
        const sampling = setInterval(() => (peak = Math.max(peak, rssMb(team.server.pid!))), 250);
        const perCell = Math.max(1, Math.ceil(ITEMS / (cases.length * 4)));
        const { runId, seconds, received } = await runOnTeam(
          team,
          {
            case_ids: cases,
            tool_ids: ['fresh_0', 'fresh_1', 'fresh_2', 'fresh_3'],
            options: { cache: false, samples: Math.min(50, perCell) },
          },
          CLIENTS,
        );
        clearInterval(sampling);
        const after = await databaseMb(team.env.SWAPBENCH_DATABASE_URL!);
        const detail = (await (
          await fetch(`${team.base}/api/runs/${runId}`, { headers: team.headers })
        ).json()) as {
          items: Array<{ id: number; status: string; finished_at: string | null }>;
        };
        const finishedAt = new Map(detail.items.map((i) => [i.id, Date.parse(i.finished_at ?? '')]));
        const latencies = received
          .flatMap((seen) => [...seen].map(([id, at]) => at - finishedAt.get(id)!))
          .filter((ms) => Number.isFinite(ms))
          .sort((a, b) => a - b);
        const scored = detail.items.filter((i) => i.status === 'scored').length;
        console.log(
          `(b) ${detail.items.length} items with 2 workers: ${scored} scored in ${seconds.toFixed(0)} s ` +
            `(${(scored / seconds).toFixed(2)}/s); server peak RSS ${peak.toFixed(0)} MB; ` +
            `Postgres ${before.toFixed(1)} → ${after.toFixed(1)} MB (${(((after - before) * 1024) / detail.items.length).toFixed(0)} KB per item)`,
        );
        console.log(
          `(b) scored events at ${CLIENTS} clients (${latencies.length} receipts), from the worker's write: ` +
            `p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${latencies.at(-1)} ms`,
        );
      } finally {
        await team.stop();
      }
    }
  } finally {
    data.dispose();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
