/** The values a `command` tool's placeholders stand for, for one run item. */
export interface CommandPlaceholderValues {
  template: string;
  /** Avatar paths in slot order. */
  avatars: string[];
  output: string;
  prompt: string;
  case_id: string;
  slots_json: string;
  workdir: string;
}

/**
 * Expands the placeholders of a configured command into the argument array for one item. `{avatars}`,
 * standing alone, becomes one argument per avatar; `{avatarN}` is the N-th avatar (1-based); other
 * placeholders may sit inside a longer argument (`--out={output}`). Values are substituted as plain text
 * into separate arguments, never parsed by a shell, so a file name cannot smuggle in a command.
 * Throws when the command names an avatar the case does not have.
 */
export function expandCommandArgs(command: readonly string[], values: CommandPlaceholderValues): string[] {
  const out: string[] = [];
  for (const arg of command) {
    if (arg === '{avatars}') {
      out.push(...values.avatars);
      continue;
    }
    out.push(
      arg.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
        const avatar = /^avatar([1-9][0-9]*)$/.exec(name);
        if (avatar) {
          const index = Number(avatar[1]) - 1;
          if (index >= values.avatars.length) {
            throw new RangeError(
              `the command uses {${name}} but this case has ${values.avatars.length} avatar${values.avatars.length === 1 ? '' : 's'}`,
            );
          }
          return values.avatars[index];
        }
        if (name in values && name !== 'avatars')
          return String(values[name as Exclude<keyof CommandPlaceholderValues, 'avatars'>]);
        return whole;
      }),
    );
  }
  return out;
}

/** Keeps only the last `limit` bytes written to it: enough of stderr to explain a failure, never unbounded. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit = 4096) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0].length >= this.limit) {
      this.size -= this.chunks[0].length;
      this.chunks.shift();
    }
  }

  /** The kept text; `…` marks that earlier output was dropped. */
  text(): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
    return (all.length > this.limit ? '…' : '') + tail.trim();
  }
}
