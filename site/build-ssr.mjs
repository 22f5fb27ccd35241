// Second half of `npm run build:site`: compiles the shared components, the stylesheet and the report
// script into dist/server/entry.mjs, which the Nest process imports once and renders with the Astro
// Container API. Built ahead of time so no Vite server runs inside the app.
import { build } from 'vite';
import { getViteConfig } from 'astro/config';
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/** `import x from './file.ts?iife'` yields the file bundled and minified as a self-contained script string. */
const inlineScript = {
  name: 'swapbench-inline-script',
  enforce: 'pre',
  async resolveId(source, importer) {
    if (!source.endsWith('?iife')) return null;
    const resolved = await this.resolve(source.slice(0, -5), importer, { skipSelf: true });
    return resolved ? `${resolved.id}?iife` : null;
  },
  async load(id) {
    if (!id.endsWith('?iife')) return null;
    const out = await esbuild.build({
      entryPoints: [id.slice(0, -5)],
      bundle: true,
      format: 'iife',
      minify: true,
      target: 'es2020',
      write: false,
    });
    return `export default ${JSON.stringify(out.outputFiles[0].text)};`;
  },
};

const config = await getViteConfig(
  {
    plugins: [inlineScript],
    logLevel: 'warn',
    build: {
      ssr: 'src/server/entry.ts',
      outDir: 'dist/server',
      emptyOutDir: true,
      rollupOptions: { output: { entryFileNames: 'entry.mjs' } },
    },
  },
  { root, logLevel: 'warn' },
)({ mode: 'production', command: 'build' });

await build({ ...config, root, configFile: false });
console.log('site: components compiled to site/dist/server/entry.mjs');
