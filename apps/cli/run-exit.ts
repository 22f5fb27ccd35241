import type { RunStatus } from '../../libs/core/run-events';

/** The exit codes of `swapbench run` (docs/cli.md §7.5). */
export const RUN_EXIT = {
  finished: 0,
  /** A `--fail-under` (or suite `fail_under`) gate was not met. */
  belowGate: 1,
  /** Bad input: nothing was run (`UserError`, printed by `exitOnError`). */
  badInput: 2,
  /** The run ended without a single scored item: every item failed, was refused or was canceled. */
  noScore: 3,
  /** Ctrl-C: the run is resumable with `--resume`. */
  interrupted: 130,
} as const;

/**
 * How a run that ended exits. An interrupted run says so before anything else (its scores are partial,
 * a gate over them would mislead); a run with no score at all exits 3 even when a gate was given, so CI
 * tells "the tool did not answer" from "the tool answered badly".
 */
export function runExitCode(status: RunStatus, scored: number, belowGate: boolean): number {
  if (status === 'interrupted') return RUN_EXIT.interrupted;
  if (scored === 0) return RUN_EXIT.noScore;
  return belowGate ? RUN_EXIT.belowGate : RUN_EXIT.finished;
}
