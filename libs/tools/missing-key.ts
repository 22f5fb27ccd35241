import { failed, final, type ToolAvailability, type ToolResult } from './tool';

/**
 * The one sentence for a key that is not set, naming the variables that may hold it (never a value): the
 * tools list, a call made anyway and case authoring all say it alike.
 */
export function keyNotSet(names: readonly string[]): string {
  return `${names.join(' or ')} is not set (in the environment or a .env file)`;
}

/** A tool that cannot run because its key is not set. */
export function keyMissingAvailability(names: readonly string[]): ToolAvailability {
  return { available: false, reason: keyNotSet(names) };
}

/** The typed failure of a call made while the key is missing (the run was started anyway): final, `auth`. */
export function missingKey(names: readonly string[]): ToolResult {
  return failed(final('auth', `${keyNotSet(names)}.`));
}
