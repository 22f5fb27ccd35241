// The site build has two halves (see build-ssr.mjs for the second):
// 1. `astro build` bundles the client script (src/client/app.ts, referenced by src/pages/index.astro) into
//    hashed files under dist/client/_astro/, which the Nest server serves; the integration below writes
//    dist/client/assets.json naming them, so the server never guesses hashes.
// 2. build-ssr.mjs compiles the components into dist/server/entry.mjs for the Container API.
import { defineConfig } from 'astro/config';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The scripts a built shell page references; a page without one is a broken build. */
async function pageScripts(dir, page) {
  const html = await readFile(new URL(page, dir), 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
  if (scripts.length === 0) throw new Error(`assetManifest: ${page} references no script`);
  return scripts;
}

/** Records the script and stylesheet URLs of the built shell page for the server to reference. */
function assetManifest() {
  return {
    name: 'swapbench-asset-manifest',
    hooks: {
      'astro:build:done': async ({ dir }) => {
        const html = await readFile(new URL('index.html', dir), 'utf8');
        const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
        if (scripts.length === 0) throw new Error('assetManifest: the built page references no script');
        // The arena page (src/pages/arena.astro) has its own script.
        const arenaHtml = await readFile(new URL('arena/index.html', dir), 'utf8');
        const arena = [...arenaHtml.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]);
        if (arena.length === 0) throw new Error('assetManifest: the arena page references no script');
        // So have the login page and the admin's accounts page of a team server.
        const login = await pageScripts(dir, 'login/index.html');
        const admin = await pageScripts(dir, 'admin/index.html');
        await writeFile(
          fileURLToPath(new URL('assets.json', dir)),
          JSON.stringify({ scripts, arena, login, admin }, null, 2),
        );
      },
    },
  };
}

export default defineConfig({
  outDir: './dist/client',
  // Keep the client bundle a separate file: the server serves it and never inlines it.
  vite: { build: { assetsInlineLimit: 0 } },
  integrations: [assetManifest()],
});
