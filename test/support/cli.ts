import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../libs/core/package-root';
import type { TempData } from './fixtures';

/** What a finished `swapbench` process left behind. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child `swapbench`: the test's data folders, and none of the caller's keys or config. */
export function cliEnv(
  data: Pick<TempData, 'datasets' | 'runs' | 'databaseUrl'>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SWAPBENCH_DATASETS: data.datasets,
    SWAPBENCH_RUNS: data.runs,
    ...(data.databaseUrl ? { SWAPBENCH_DATABASE_URL: data.databaseUrl } : {}),
  };
  for (const key of [
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
    'SWAPBENCH_CONFIG',
    'SWAPBENCH_DEBUG',
    'NODE_TEST_CONTEXT',
    'FORCE_COLOR',
  ]) {
    delete env[key];
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Starts `node bin/swapbench.js ...args` from the repository root, as a user would after the build. */
export function startSwapbench(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const root = packageRoot();
  return spawn(process.execPath, [join(root, 'bin', 'swapbench.js'), ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `swapbench ...args` to its end (killing it after `timeoutMs`) and collects its output. */
export function swapbench(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliResult> {
  return finished(startSwapbench(args, env), timeoutMs);
}

export function finished(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`swapbench did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
