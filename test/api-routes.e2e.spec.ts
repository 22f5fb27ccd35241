import type { INestApplication } from '@nestjs/common';
import type { Application } from 'express';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { serverUrl, startServer } from '../apps/server/bootstrap';
import { packageRoot } from '../libs/core/package-root';
import { useTempData } from './support/temp-data';

/**
 * What `router.listRoutes()` (the `router` package under Express 5) answers: one entry per route with its
 * methods. `@types/express` does not declare it yet.
 */
interface ListedRoute {
  path: string | RegExp;
  methods?: string[];
}

/**
 * Documented routes that no Nest controller registers: `startServer` mounts them with `app.use` (the data
 * folders' files and the OpenAPI document), so they are checked by asking for them.
 */
const MOUNTED: Record<string, { path: string; status: number }> = {
  'GET /runs/{}': { path: '/runs/.hidden', status: 400 },
  'GET /datasets/{}': { path: '/datasets/.hidden', status: 400 },
  'GET /api/docs': { path: '/api/docs', status: 200 },
};

/** `GET /api/runs/{}`: the method, and the path without its query and with every parameter as `{}`. */
function routeKey(method: string, path: string): string {
  const bare = path.split('?')[0].replace(/\{[^}]+\}|<[^>]+>|:\w+|\*\w+/g, '{}');
  return `${method.toUpperCase()} ${bare}`;
}

/**
 * The routes docs/api.md documents: each `#### \`METHOD /path\`` heading, and each table row that starts
 * with routes (§2.9: `| \`GET /app/cases\`, \`GET /app/runs\` | ... |`).
 */
function documentedRoutes(markdown: string): string[] {
  const route = /`([A-Z]+) (\/[^`]*)`/g;
  const places = [
    ...[...markdown.matchAll(/^#{2,6} (`[A-Z]+ \/[^`]*`)\s*$/gm)].map((m) => m[1]),
    ...[...markdown.matchAll(/^\| ((?:`[A-Z]+ \/[^`]*`(?:, )?)+) \|/gm)].map((m) => m[1]),
  ];
  return places.flatMap((text) => [...text.matchAll(route)].map((m) => routeKey(m[1], m[2])));
}

/** Every route Nest registered on Express, without the `HEAD` Express answers for each `GET`. */
function registeredRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as Application;
  const router = express.router as unknown as { listRoutes(): ListedRoute[] };
  return router
    .listRoutes()
    .flatMap(({ path, methods }) =>
      (methods ?? [])
        .filter((method) => method !== 'HEAD')
        .map((method) => routeKey(method, typeof path === 'string' ? path : path.source)),
    );
}

describe('docs/api.md and the routes the server registers', () => {
  let data: ReturnType<typeof useTempData>;
  let app: INestApplication;
  const documented = documentedRoutes(readFileSync(join(packageRoot(), 'docs', 'api.md'), 'utf8'));

  before(async () => {
    data = useTempData('routes');
    app = await startServer({ port: 0, host: '127.0.0.1', logger: false, settings: data.settings });
  });

  after(async () => {
    await app.close();
    data.dispose();
  });

  it('reads the documented routes from the headings and the files-and-pages table', () => {
    assert.ok(documented.includes('GET /api/runs/{}/events'), documented.join('\n'));
    assert.ok(documented.includes('GET /app/runs'), documented.join('\n'));
    assert.ok(documented.includes('GET /api/compare'), documented.join('\n'));
  });

  it('registers every documented route and documents every registered one', () => {
    const registered = registeredRoutes(app);
    assert.ok(registered.length > 10, `only ${registered.length} routes found: ${registered.join(', ')}`);
    const notDocumented = registered.filter((r) => !documented.includes(r));
    const notRegistered = documented.filter((r) => !registered.includes(r) && !(r in MOUNTED));
    assert.deepEqual(
      { notDocumented, notRegistered },
      { notDocumented: [], notRegistered: [] },
      'docs/api.md and the Nest controllers disagree',
    );
  });

  it('serves the documented routes mounted outside Nest', async () => {
    const base = serverUrl(app);
    for (const [route, probe] of Object.entries(MOUNTED)) {
      assert.ok(documented.includes(route), `${route} is no longer documented`);
      const res = await request(base).get(probe.path);
      assert.equal(res.status, probe.status, `${route}: ${probe.path} answered ${res.status}`);
    }
  });
});
