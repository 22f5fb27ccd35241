import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The swapbench install folder (the one with its package.json), found from this file in src or dist. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'nest-cli.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the swapbench install folder');
    dir = parent;
  }
  return dir;
}

let version: string | undefined;

/** This swapbench's version, from its package.json. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
  return version;
}
