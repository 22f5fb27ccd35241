import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { siteDist } from '../../report/components.renderer';

/** The built client: its folder and the script URLs the app page loads (from `assets.json`). */
export interface ClientAssets {
  root: string;
  scripts: string[];
  /** The arena page's script (`/arena`). */
  arena: string[];
  /** A team server's login page (`/login`) and accounts page (`/admin`). */
  login: string[];
  admin: string[];
}

let known: ClientAssets | undefined;

/**
 * Reads `site/dist/client/assets.json`, written by the Astro build. Cached once found; before the site
 * is built the page still renders, without its script (the gallery is server-rendered HTML).
 */
export function clientAssets(): ClientAssets {
  if (known) return known;
  const root = join(siteDist(), 'client');
  const manifest = join(root, 'assets.json');
  if (!existsSync(manifest)) return { root, scripts: [], arena: [], login: [], admin: [] };
  const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
  const strings = (list: unknown) =>
    Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : [];
  known = {
    root,
    scripts: strings(parsed.scripts),
    arena: strings(parsed.arena),
    login: strings(parsed.login),
    admin: strings(parsed.admin),
  };
  return known;
}

/**
 * The file under the client build's `_astro/` folder that a request path names, or null when the path is
 * malformed, leaves the folder, names a dotfile, or does not exist.
 */
export function assetFile(requestPath: string): string | null {
  const root = resolve(clientAssets().root, '_astro');
  let relative: string;
  try {
    relative = decodeURIComponent(requestPath.replace(/^\/_astro\//, ''));
  } catch {
    return null;
  }
  const parts = relative.split('/');
  if (
    relative === '' ||
    relative.includes('\0') ||
    parts.some((p) => p === '' || p === '..' || p.startsWith('.'))
  )
    return null;
  const file = resolve(root, ...parts);
  if (!file.startsWith(root + sep)) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}
