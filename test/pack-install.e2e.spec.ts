import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packageRoot } from '../libs/core/package-root';
import { finished } from './support/cli';

// Installable (docs/cli.md §1): the package `npm pack` makes, installed in an empty folder, runs there with
// its data in that folder and its web assets and face models found inside the installed package. The build
// has run (CI builds before testing), so the pack skips `prepack`. sqlite3's native addon is copied from
// the repository's install instead of compiled again (two minutes that test nothing of swapbench's own
// packaging): every other file comes from the tarball and the npm cache.

const root = packageRoot();
const work = mkdtempSync(join(tmpdir(), 'swapbench-pack-'));
const project = join(work, 'project');

/** The environment of a user in that folder: none of the test's data folders, keys or config. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of [
    'SWAPBENCH_DATASETS',
    'SWAPBENCH_RUNS',
    'SWAPBENCH_CONFIG',
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
    'NODE_TEST_CONTEXT',
  ])
    delete env[key];
  return env;
}

function npm(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync('npm', args, { cwd, env: userEnv(), encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `npx swapbench ...` in the project folder, as the user types it. */
function npx(args: string[], timeoutMs = 120_000) {
  const child = spawn('npx', ['--no-install', 'swapbench', ...args], {
    cwd: project,
    env: userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, done: finished(child, timeoutMs) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

before(() => {
  assert.ok(existsSync(join(root, 'site', 'dist', 'server')), 'the site is built (npm run build)');
  const packed = npm(['pack', '--ignore-scripts', '--pack-destination', work, '--json'], root);
  assert.equal(packed.code, 0, packed.stderr);
  const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'trying-swapbench', private: true }));
  const installed = npm(
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, filename)],
    project,
  );
  assert.equal(installed.code, 0, installed.stderr);
  const addon = join('node_modules', 'sqlite3', 'build', 'Release');
  mkdirSync(join(project, addon), { recursive: true });
  copyFileSync(join(root, addon, 'node_sqlite3.node'), join(project, addon, 'node_sqlite3.node'));
});

after(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package, installed in an empty folder', () => {
  test('holds the built CLI, the web app, the licence and no tests', () => {
    const installed = join(project, 'node_modules', 'swapbench');
    for (const file of [
      'LICENSE',
      'bin/swapbench.js',
      'dist/apps/cli/main.js',
      'site/dist/server/entry.mjs',
      'datasets/sources/astronaut.png',
    ])
      assert.ok(existsSync(join(installed, file)), file);
    assert.ok(!existsSync(join(installed, 'dist', 'test')), 'no tests in the package');
  });

  test('npx swapbench --version, generate-cases and run work there, with the data in that folder', async () => {
    const version = await npx(['--version']).done;
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);

    const generated = await npx(['generate-cases']).done;
    assert.equal(generated.code, 0, generated.stderr);
    const cases = readdirSync(join(project, 'datasets'));
    assert.ok(cases.length >= 3, cases.join(', '));

    const run = await npx(['run', '--cases', cases[0], '--tools', 'control_template,control_paste', '--json'])
      .done;
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      items: Array<{ status: string; score: number; image_path: string }>;
    };
    assert.equal(result.items.length, 2);
    for (const item of result.items) {
      assert.equal(item.status, 'scored');
      assert.ok(item.image_path.startsWith(join(project, 'runs')), item.image_path);
      assert.ok(existsSync(item.image_path));
    }
    assert.ok(existsSync(join(project, 'runs', 'swapbench.db')));
  });

  test('swapbench serve (the installed bin, as npx runs it) answers with the web app and its assets', async () => {
    const port = await freePort();
    // The bin that npx runs, started directly so that the test stops the server itself (npx forks a shell).
    const child = spawn(
      process.execPath,
      [join(project, 'node_modules', '.bin', 'swapbench'), 'serve', '--port', String(port)],
      {
        cwd: project,
        env: userEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const done = finished(child, 120_000);
    try {
      let page: Response | null = null;
      for (let i = 0; i < 120 && !page; i++) {
        page = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
        if (!page) await new Promise((r) => setTimeout(r, 500));
      }
      assert.ok(page, 'the server answered');
      assert.equal(page.status, 200);
      const html = await page.text();
      const script = /src="(\/_astro\/[^"]+\.js)"/.exec(html);
      assert.ok(script, 'the page loads its script');
      const asset = await fetch(`http://127.0.0.1:${port}${script[1]}`);
      assert.equal(asset.status, 200);
      const tools = (await (await fetch(`http://127.0.0.1:${port}/api/tools`)).json()) as Array<{
        id: string;
      }>;
      assert.ok(tools.some((t) => t.id === 'classic_swap'));
    } finally {
      child.kill('SIGTERM');
      await done;
    }
  });
});
