import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { canonicalJson, sha256 } from '../core/hash';
import { packageVersion } from '../core/package-root';
import type { SwapTool } from './tool';

/**
 * Where a tool's definition came from, so that the cache can tell when it changed (docs/suites.md): a config
 * entry (its fields, and the files a command runs), or a plugin module (its package version and file).
 * Built-in tools have no origin: their version is their own `version`, or swapbench's.
 */
export type ToolOrigin =
  | { kind: 'config'; entry: unknown; cwd: string; command?: readonly string[] }
  | { kind: 'plugin'; specifier: string; resolved: string };

const origins = new WeakMap<SwapTool, ToolOrigin>();

/** Records where a configured or plugin tool was defined; called by the loaders that build them. */
export function recordToolOrigin(tool: SwapTool, origin: ToolOrigin): void {
  origins.set(tool, origin);
}

/** Files larger than this are fingerprinted by size and time instead of content. */
const HASH_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * A digest of everything that defines the tool beyond its id and options: its config entry, the content of
 * the files its command names (a script edited in place changes it), its base URL, its plugin package's
 * version and module file, or a built-in tool's version. Equal fingerprints mean "the same tool".
 */
export async function toolFingerprint(tool: SwapTool): Promise<string> {
  const origin = origins.get(tool);
  const own = (tool as { version?: unknown }).version;
  const parts: Record<string, unknown> = {
    version: typeof own === 'string' ? own : null,
    own: ownFingerprint(tool),
  };
  if (!origin) {
    parts.builtin = packageVersion();
  } else if (origin.kind === 'config') {
    parts.entry = origin.entry;
    if (origin.command) parts.files = await commandFiles(origin.command, origin.cwd);
  } else {
    parts.plugin = origin.specifier;
    parts.package = packageOf(origin.resolved);
    parts.module = await fileDigest(origin.resolved);
  }
  return sha256(canonicalJson(parts));
}

/** Digests of the command's arguments that name existing files (the program, a script, a model file). */
async function commandFiles(command: readonly string[], cwd: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const arg of command) {
    if (arg.includes('{') || arg.startsWith('-') || arg.length > 1024) continue;
    const path = isAbsolute(arg) ? arg : resolve(cwd, arg);
    const digest = await fileDigest(path);
    if (digest) files[arg] = digest;
  }
  return files;
}

async function fileDigest(path: string): Promise<string | null> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return null;
    if (info.size > HASH_LIMIT_BYTES) return `size:${info.size}:mtime:${info.mtimeMs}`;
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  } catch {
    return null;
  }
}

/** `name@version` of the nearest package.json above a module file, or null for a loose file. */
function packageOf(file: string): string | null {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as {
          name?: string;
          version?: string;
        };
        return `${name ?? '?'}@${version ?? '?'}`;
      } catch {
        return null;
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/** The tool's own description of itself; a plugin whose method throws is fingerprinted without it. */
function ownFingerprint(tool: SwapTool): string | null {
  if (typeof tool.fingerprint !== 'function') return null;
  try {
    return String(tool.fingerprint());
  } catch {
    return null;
  }
}
