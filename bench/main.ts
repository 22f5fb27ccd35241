import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run bench`: runs every `bench/*.bench.ts` (compiled) in its own process, one after another so they
 * do not compete for the two cores, or only those whose names contain an argument: `npm run bench -- score`.
 */
function main(): void {
  const filters = process.argv.slice(2);
  const scripts = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
    .sort();
  let failed = 0;
  for (const script of scripts) {
    process.stdout.write(`\n=== ${script.replace('.bench.js', '')} ===\n`);
    const result = spawnSync(process.execPath, [join(__dirname, script)], {
      stdio: 'inherit',
      env: process.env,
    });
    if (result.status !== 0) {
      failed++;
      process.stdout.write(`${script} exited with ${result.status ?? result.signal}\n`);
    }
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

main();
