import { SingleBar } from 'cli-progress';
import type { RunEvent } from '../../libs/core/run-events';

/** The progress bar on stderr that `run` and `rescore` show on a terminal. */
export class TerminalBar {
  private readonly bar: SingleBar;

  /** `counts` names the figures shown after the bar, e.g. `{scored} scored, {failed} failed`. */
  constructor(unit: string, counts: string) {
    this.bar = new SingleBar({
      format: `swapbench {bar} {value}/{total} ${unit} | ${counts} | {last}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    });
  }

  start(total: number, done: number, payload: Record<string, string | number>): void {
    this.bar.start(total, done, payload);
  }

  update(done: number, payload: Record<string, string | number>): void {
    this.bar.update(done, payload);
  }

  stop(): void {
    this.bar.stop();
  }
}

/**
 * Shows a run's progress: a bar on a terminal, one plain line per finished item on a pipe, nothing with
 * `quiet` (JSON output) unless stderr is a terminal, where the bar still helps.
 */
export class ProgressView {
  private bar: TerminalBar | null = null;

  constructor(
    private readonly runId: string,
    private readonly options: { quiet: boolean },
  ) {}

  onEvent(event: RunEvent): void {
    if (event.run_id !== this.runId) return;
    const tty = Boolean(process.stderr.isTTY);
    if (event.type === 'run_started') {
      if (tty) {
        this.bar = new TerminalBar('items', '{scored} scored, {failed} failed');
        this.bar.start(event.progress.total, event.progress.done, {
          scored: 0,
          failed: 0,
          last: `run ${this.runId}`,
        });
      } else if (!this.options.quiet) {
        process.stderr.write(`run ${this.runId}: ${event.progress.total} items\n`);
      }
      return;
    }
    if (event.type === 'update') {
      const { done, total, scored, failed } = event.progress;
      const sample = event.sample > 0 ? ` #${event.sample}` : '';
      const label = `${event.case_id} × ${event.variant ?? event.tool_id}${sample}: ${event.status}`;
      if (this.bar) {
        this.bar.update(done, { scored, failed, last: label });
      } else if (
        !tty &&
        !this.options.quiet &&
        ['scored', 'failed', 'canceled', 'generated'].includes(event.status)
      ) {
        const detail = event.status === 'scored' ? ` ${event.score}` : event.error ? ` — ${event.error}` : '';
        process.stderr.write(`[${done}/${total}] ${label}${detail}\n`);
      }
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
