import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { CommandToolConfig } from '../config/swapbench-config.schema';
import { checkImageOutput } from '../openai/shared/image-output.validator';
import { buildSwapPrompt } from '../openai/swap-prompt.builder';
import type { SwapTool, ToolAvailability, ToolInput, ToolResult } from '../tool';
import { expandCommandArgs, TailBuffer } from './command-args';

/** How a finished child process ended. */
interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  spawnError: NodeJS.ErrnoException | null;
  timedOut: boolean;
  aborted: boolean;
  stderr: string;
}

/** Time a killed program gets between SIGTERM and SIGKILL to clean up. */
const KILL_GRACE_MS = 2_000;

/**
 * A tool declared in the config file that runs an external program once per item (for example a local
 * face-swap script). The program gets the case's files through placeholders and must write an image to
 * `{output}`; it runs without a shell, in its own process group so that a timeout or a cancel ends it
 * and any children it started.
 */
export class CommandTool implements SwapTool {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly kind: 'local' | 'api';
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly options = {};

  constructor(
    private readonly config: CommandToolConfig,
    /** Folder the program runs in, so relative paths in the config are relative to the config file. */
    private readonly cwd: string,
  ) {
    this.id = config.id;
    this.name = config.name;
    this.description = config.description ?? `Runs ${basename(config.command[0])} for each item.`;
    this.kind = config.kind;
    this.concurrency = config.concurrency;
    this.timeoutMs = config.timeout_ms;
  }

  availability(): Promise<ToolAvailability> {
    return Promise.resolve({ available: true });
  }

  async generate(input: ToolInput): Promise<ToolResult> {
    const workdir = await mkdtemp(join(tmpdir(), `swapbench-${this.id}-`));
    try {
      const output = join(workdir, 'output.png');
      let args: string[];
      try {
        args = expandCommandArgs(this.config.command, {
          template: input.templatePath,
          avatars: input.avatars.map((a) => a.path),
          output,
          prompt: buildSwapPrompt(input.slots, input.prompt),
          case_id: input.caseId,
          slots_json: JSON.stringify(input.slots),
          workdir,
        });
      } catch (error) {
        return {
          ok: false,
          failure: {
            retryable: false,
            code: 'bad_request',
            message: `Tool ${this.id}: ${(error as Error).message}.`,
          },
        };
      }
      const started = performance.now();
      const outcome = await this.run(args, input.signal);
      const latencyMs = Math.round(performance.now() - started);
      const program = basename(args[0]);
      const stderrNote = outcome.stderr ? `\nstderr:\n${outcome.stderr}` : '';

      if (outcome.spawnError) {
        const why =
          outcome.spawnError.code === 'ENOENT'
            ? 'was not found (check the path or PATH)'
            : `could not start (${outcome.spawnError.code ?? outcome.spawnError.message})`;
        return {
          ok: false,
          failure: {
            retryable: false,
            code: 'command_not_found',
            message: `Tool ${this.id}: program ${args[0]} ${why}.`,
          },
        };
      }
      if (outcome.aborted)
        return {
          ok: false,
          failure: {
            retryable: false,
            code: 'aborted',
            message: `Tool ${this.id}: ${program} was stopped because the item was canceled.`,
          },
        };
      if (outcome.timedOut) {
        // A local program that ran out of time once will almost surely do so again; retrying would only burn time.
        return {
          ok: false,
          failure: {
            retryable: false,
            code: 'timeout',
            message: `Tool ${this.id}: ${program} did not finish within ${this.timeoutMs / 1000} s and was killed. Raise timeout_ms in the config file if it needs longer.${stderrNote}`,
          },
        };
      }
      if (outcome.exitCode !== 0) {
        const how = outcome.signal
          ? `was killed by ${outcome.signal}`
          : `exited with code ${outcome.exitCode}`;
        return {
          ok: false,
          failure: {
            retryable: false,
            code: 'command_failed',
            message: `Tool ${this.id}: ${program} ${how}.${stderrNote}`,
          },
        };
      }
      let bytes: Buffer;
      try {
        bytes = await readFile(output);
      } catch {
        return {
          ok: false,
          failure: {
            retryable: false,
            code: 'bad_output',
            message: `Tool ${this.id}: ${program} exited 0 but wrote no file to {output}.${stderrNote}`,
          },
        };
      }
      const checked = await checkImageOutput(bytes, `Tool ${this.id} (${program})`);
      if (!checked.ok) return checked;
      return {
        ok: true,
        image: checked.png,
        meta: {
          model: program,
          command: program,
          exitCode: 0,
          latencyMs,
          width: checked.width,
          height: checked.height,
        },
      };
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
  }

  /** Runs the program with an argument array (no shell), killing its whole process group on timeout or abort. */
  private run(args: string[], signal: AbortSignal): Promise<ProcessOutcome> {
    return new Promise((resolve) => {
      const stderr = new TailBuffer(4096);
      const outcome: ProcessOutcome = {
        exitCode: null,
        signal: null,
        spawnError: null,
        timedOut: false,
        aborted: false,
        stderr: '',
      };
      if (signal.aborted) return resolve({ ...outcome, aborted: true });
      const child = spawn(args[0], args.slice(1), {
        cwd: this.cwd,
        shell: false,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
      child.stdout.resume(); // drained and dropped: only the file at {output} counts
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      let hardKill: NodeJS.Timeout | undefined;
      const kill = (): void => {
        killGroup(child.pid, 'SIGTERM');
        hardKill = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      };
      const timer = setTimeout(() => {
        outcome.timedOut = true;
        kill();
      }, this.timeoutMs);
      const onAbort = (): void => {
        outcome.aborted = true;
        kill();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const finish = (): void => {
        clearTimeout(timer);
        clearTimeout(hardKill);
        signal.removeEventListener('abort', onAbort);
        // Children that inherited the group outlive their parent otherwise.
        if (outcome.timedOut || outcome.aborted) killGroup(child.pid, 'SIGKILL');
        resolve({ ...outcome, stderr: stderr.text() });
      };
      child.on('error', (error: NodeJS.ErrnoException) => {
        outcome.spawnError = error;
        finish();
      });
      child.on('close', (code, sig) => {
        outcome.exitCode = code;
        outcome.signal = sig;
        finish();
      });
    });
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}
