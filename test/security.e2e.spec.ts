import type { INestApplication } from '@nestjs/common';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { cliEnv, startSwapbench, swapbench } from './support/cli';
import { makeTempData, writeFaceCases } from './support/fixtures';
import { errorOf, rawRequest } from './support/raw-http';
import { socketIoHandshake } from './support/socket-handshake';

// docs/api.md §2.1 and issue 8: a server on the user's machine, protected from other web pages (DNS
// rebinding, cross-site requests, framing, injected markup) and from other machines unless the user opts in.

const data = makeTempData('security');
let app: INestApplication;
let base: string;
let port: string;

before(async () => {
  await writeFaceCases(data.datasets, 2, 'tc');
  app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
  base = serverUrl(app);
  port = new URL(base).port;
});

after(async () => {
  await app?.close();
  data.cleanup();
});

/** Outcome of a plain WebSocket upgrade to `/api/run/<id>` with the given headers. */
function plainUpgrade(headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/run/nope`, { headers });
    ws.on('unexpected-response', (_req, res) => (ws.terminate(), resolve(`http ${res.statusCode}`)));
    ws.on('open', () => ws.once('close', (code) => resolve(`opened, closed ${code}`)));
    ws.on('error', (error) => resolve(`error ${error.message}`));
  });
}

describe('Host and Origin checks', () => {
  it('refuses a foreign Host (DNS rebinding) on reads and writes, with a JSON error', async () => {
    for (const [method, path] of [
      ['GET', '/api/runs'],
      ['GET', '/'],
      ['POST', '/api/run'],
    ] as const) {
      const res = await rawRequest(base, {
        method,
        path,
        headers: { Host: `attacker.example:${port}`, 'Content-Type': 'application/json' },
        body: method === 'POST' ? '{"case_ids":"all","tool_ids":["control_template"]}' : undefined,
      });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(errorOf(res), /not this machine/);
    }
    const ok = await rawRequest(base, { path: '/api/runs', headers: { Host: `localhost:${port}` } });
    assert.equal(ok.status, 200);
  });

  it('refuses state-changing requests from another origin and stores nothing', async () => {
    for (const origin of ['http://attacker.example', 'null', `http://localhost:${Number(port) + 1}`]) {
      const res = await rawRequest(base, {
        method: 'POST',
        path: '/api/run',
        headers: { Host: `127.0.0.1:${port}`, Origin: origin, 'Content-Type': 'application/json' },
        body: JSON.stringify({ case_ids: 'all', tool_ids: ['control_template'] }),
      });
      assert.equal(res.status, 403, origin);
      assert.match(errorOf(res), /not allowed|Malformed/);
    }
    const runs = await rawRequest(base, { path: '/api/runs', headers: { Host: `127.0.0.1:${port}` } });
    assert.deepEqual(JSON.parse(runs.body), [], 'no run was stored');
    const same = await rawRequest(base, {
      method: 'POST',
      path: '/api/rate',
      headers: { Host: `127.0.0.1:${port}`, Origin: base, 'Content-Type': 'application/json' },
      body: '{"run_item_id": 424242, "stars": 3}',
    });
    assert.equal(same.status, 404, 'a same-origin request gets through to the handler');
  });

  it('refuses Socket.IO handshakes and plain WebSocket upgrades from another origin or host', async () => {
    assert.equal(await socketIoHandshake(base, {}), 'connected');
    assert.equal(await socketIoHandshake(base, { Origin: 'http://attacker.example' }), 'refused');
    assert.equal(await plainUpgrade({ Origin: base }), 'opened, closed 4404');
    assert.equal(await plainUpgrade({ Origin: 'http://attacker.example' }), 'http 403');
    assert.equal(await plainUpgrade({ Host: `attacker.example:${port}` }), 'http 403');
  });

  it('sends no CORS headers, even to a preflight', async () => {
    const preflight = await rawRequest(base, {
      method: 'OPTIONS',
      path: '/api/run',
      headers: {
        Origin: 'http://attacker.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    const get = await rawRequest(base, { path: '/api/runs', headers: { Origin: 'http://attacker.example' } });
    for (const res of [preflight, get]) {
      const cors = Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));
      assert.deepEqual(cors, [], `status ${res.status}`);
    }
  });
});

describe('security headers', () => {
  it('gives the app page a CSP that allows its own script and exactly its inline stylesheet', async () => {
    const page = await rawRequest(base, { path: '/' });
    assert.equal(page.status, 200);
    const csp = String(page.headers['content-security-policy']);
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.ok(!csp.includes("'unsafe-eval'"));
    // Every inline <style> of the page is allowed by its hash; no inline <script> exists to allow.
    const styles = [...page.body.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
    assert.ok(styles.length >= 1, 'the page inlines its stylesheet');
    for (const style of styles) {
      const hash = `'sha256-${createHash('sha256').update(style).digest('base64')}'`;
      assert.ok(directives.get('style-src')?.includes(hash), `style hash ${hash} in ${csp}`);
    }
    const inlineScripts = [...page.body.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)];
    assert.deepEqual(inlineScripts, [], 'no inline script');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
  });

  it('gives JSON and files a CSP that lets nothing run', async () => {
    for (const path of ['/api/runs', '/api/nope', '/datasets/tc_01/template.png']) {
      const res = await rawRequest(base, { path });
      assert.match(String(res.headers['content-security-policy']), /^default-src 'none'/, path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
    }
  });
});

describe('listening address', () => {
  /** Starts `swapbench serve` with `args`, waits for its address line, and stops it. */
  async function serve(args: string[]): Promise<{ url: string; stderr: string; reachable: boolean }> {
    const child = startSwapbench(['serve', '--port', '0', ...args], cliEnv(data));
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    try {
      const deadline = Date.now() + 30_000;
      while (!/running at (\S+)/.test(stdout)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve: ${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const url = /running at (\S+)/.exec(stdout)![1];
      // Reachable from another interface of this machine (if it has one), as another host would try?
      const lan = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      const reachable = lan ? await canConnect(lan, Number(new URL(url).port)) : false;
      return { url, stderr, reachable };
    } finally {
      child.kill('SIGKILL');
    }
  }

  it('binds 127.0.0.1 by default, silently; another address is refused outside team mode', async () => {
    const local = await serve([]);
    assert.match(local.url, /^http:\/\/localhost:\d+$/);
    assert.equal(local.reachable, false, 'not reachable on the LAN address');
    assert.equal(local.stderr, '');

    for (const host of ['0.0.0.0', '::']) {
      const open = await swapbench(['serve', '--port', '0', '--host', host], cliEnv(data), 30_000);
      assert.equal(open.code, 2, `--host ${host}: ${open.stdout}${open.stderr}`);
      assert.match(open.stderr, /--host .*other machines could reach swapbench.*team mode/);
      assert.doesNotMatch(open.stdout, /running at/);
    }
  });
});

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => (socket.destroy(), resolve(false)));
  });
}
