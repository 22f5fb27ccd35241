/**
 * A problem with what the user asked for or supplied (an unknown id, a malformed file, a bad option).
 * The HTTP layer answers it with a 4xx and `{ error }`; the CLI prints the message and exits 2.
 * The message must say what is wrong and where, and must never carry a secret.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /**
     * HTTP status to answer with: 400 bad input, 401 not signed in (team mode), 403 not allowed to this
     * account, 404 unknown thing, 409 conflict with stored state.
     */
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 = 400,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * Ends the process for an error that reached an entry point: a UserError is printed plainly and exits
 * 2; anything else, with its stack, exits 1.
 */
export function exitOnError(error: Error): never {
  if (error instanceof UserError) {
    process.stderr.write(`swapbench: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`swapbench: unexpected error: ${error.stack ?? error.message}\n`);
  process.exit(1);
}
