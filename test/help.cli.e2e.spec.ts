import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packageRoot } from '../libs/core/package-root';
import { cliEnv, startSwapbench } from './support/cli';

// `--help` and `--version` answer from the commands' definitions (docs/cli.md §1): in an empty folder they
// leave it empty, and the application's modules are never loaded.

const folder = mkdtempSync(join(tmpdir(), 'swapbench-help-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** `swapbench ...args` in the empty folder with the default data folders (./datasets, ./runs). */
function inEmptyFolder(args: string[]) {
  const env = cliEnv({ datasets: '', runs: '' });
  delete env.SWAPBENCH_DATASETS;
  delete env.SWAPBENCH_RUNS;
  const main = join(packageRoot(), 'dist', 'apps', 'cli', 'main.js');
  // Lists on exit the modules the process loaded, to show that no Nest module was among them.
  const probe = `process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(require.cache)))); process.argv = [process.argv[0], ${JSON.stringify(main)}, ...${JSON.stringify(args)}]; require(${JSON.stringify(main)});`;
  const result = spawnSync(process.execPath, ['-e', probe], { cwd: folder, env, encoding: 'utf8' });
  const [stderr, loaded] = result.stderr.split('\nLOADED ');
  return { code: result.status, stdout: result.stdout, stderr, loaded: JSON.parse(loaded) as string[] };
}

describe('help without the application', () => {
  test('--help, <command> --help, help <command> and --version touch no file and load no Nest module', () => {
    for (const args of [
      ['--help'],
      ['run', '--help'],
      ['help', 'runs'],
      ['db', 'migrate', '--help'],
      ['--version'],
    ]) {
      const result = inEmptyFolder(args);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.deepEqual(readdirSync(folder), [], `${args.join(' ')} left the folder empty`);
      const nest = result.loaded.filter((path) =>
        /node_modules[\\/](@nestjs|typeorm|sqlite3|sharp)[\\/]/.test(path),
      );
      assert.deepEqual(nest, [], `${args.join(' ')} loaded no application module`);
    }
    assert.match(inEmptyFolder(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
    assert.match(
      inEmptyFolder(['run', '--help']).stdout,
      /--fail-under <score>[\s\S]*Examples:[\s\S]*Environment:/,
    );
  });

  test('no command prints the help on stderr and exits 2', () => {
    const none = inEmptyFolder([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: swapbench \[options\] \[command\]/);
    assert.deepEqual(readdirSync(folder), []);
  });

  test('a command that is not a help request still runs in the application', async () => {
    const child = startSwapbench(
      ['runs', '--json'],
      cliEnv({ datasets: join(folder, 'd'), runs: join(folder, 'r') }),
    );
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.ok(readdirSync(join(folder, 'r')).includes('swapbench.db'), 'the application opened the database');
    rmSync(join(folder, 'r'), { recursive: true, force: true });
  });
});
