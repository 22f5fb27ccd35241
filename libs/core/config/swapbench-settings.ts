import { resolve } from 'node:path';
import { z } from 'zod';
import { publicUrl } from '../secret-redaction';
import { UserError } from '../user-error';

/** The config file's name in the working directory when `SWAPBENCH_CONFIG` does not name one. */
export const CONFIG_FILE_NAME = 'swapbench.config.json';

/** The environment variables the settings come from; everything else in the environment is ignored here. */
export type SettingsEnv = Partial<
  Record<
    | 'SWAPBENCH_DATASETS'
    | 'SWAPBENCH_RUNS'
    | 'SWAPBENCH_CONFIG'
    | 'SWAPBENCH_DEBUG'
    | 'SWAPBENCH_DATABASE_URL'
    | 'SWAPBENCH_REDIS_URL'
    | 'SWAPBENCH_PUBLIC_URL'
    | 'PORT'
    | 'HOST',
    string
  >
>;

/** Where the config file is looked for, and whether it must exist (it must when `SWAPBENCH_CONFIG` names it). */
export interface ConfigFileLocation {
  path: string;
  required: boolean;
}

/**
 * Everything swapbench reads from its environment, read once when the process starts and validated, then
 * handed to the modules (`SettingsModule.forRoot`). Services inject it instead of reading `process.env`,
 * so tests build one per test instead of changing the environment. API keys are not here: each tool
 * reads its own key when it calls its service, so a key is never held in an object that could be logged.
 */
export class SwapbenchSettings {
  /** Folder of test cases, one sub-folder per case. `SWAPBENCH_DATASETS`, default `./datasets`. */
  readonly datasets: string;
  /** Folder of run outputs and `swapbench.db`. `SWAPBENCH_RUNS`, default `./runs`. */
  readonly runs: string;
  /** The config file with more tools: `SWAPBENCH_CONFIG`, else `swapbench.config.json` (optional). */
  readonly configFile: ConfigFileLocation;
  /** The server's port for `node dist/apps/server/main.js`: `PORT`, default 8000 (`serve` takes `--port`). */
  readonly port: number;
  /** The server's address for `node dist/apps/server/main.js`: `HOST`, default 127.0.0.1. */
  readonly host: string;
  /** `SWAPBENCH_DEBUG` set: log what the modules do, on stderr. */
  readonly debug: boolean;
  /** The working directory the relative paths above were resolved against; config-relative paths use it. */
  readonly cwd: string;
  /**
   * A Postgres database in place of the SQLite file: `SWAPBENCH_DATABASE_URL` (`postgres://…`), for team
   * mode (docs/team.md). Holds the password, if the URL has one: show it only through `publicUrl`.
   */
  readonly databaseUrl: string | null;
  /** The Redis server of team mode's queues and events: `SWAPBENCH_REDIS_URL` (`redis://…`). */
  readonly redisUrl: string | null;
  /**
   * The address people open a team server at (`SWAPBENCH_PUBLIC_URL`, e.g. `https://swapbench.example.org`),
   * for the invite links `users add` prints; null: `http://localhost:<PORT>`.
   */
  readonly publicUrl: string | null;

  constructor(values: Omit<SwapbenchSettings, 'withData' | 'database' | 'teamMode'>) {
    this.datasets = values.datasets;
    this.runs = values.runs;
    this.configFile = values.configFile;
    this.port = values.port;
    this.host = values.host;
    this.debug = values.debug;
    this.cwd = values.cwd;
    this.databaseUrl = values.databaseUrl;
    this.redisUrl = values.redisUrl;
    this.publicUrl = values.publicUrl;
  }

  /** Team mode: a Postgres database and a Redis server shared by one server and its workers. */
  get teamMode(): boolean {
    return this.databaseUrl !== null && this.redisUrl !== null;
  }

  /** The SQLite database file inside the runs folder (unless `databaseUrl` names a Postgres database). */
  get database(): string {
    return resolve(this.runs, 'swapbench.db');
  }

  /** The same settings with other data folders (a test's temp folder, a demo fixture). */
  withData(folders: { datasets?: string; runs?: string }): SwapbenchSettings {
    return new SwapbenchSettings({
      ...this,
      datasets: folders.datasets ? resolve(this.cwd, folders.datasets) : this.datasets,
      runs: folders.runs ? resolve(this.cwd, folders.runs) : this.runs,
    });
  }
}

/** An unset or blank variable counts as not set, as a shell's `VAR= swapbench ...` means. */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

const port = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return 8000;
    const n = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || n > 65535) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number 0–65535, got "${raw}"` });
      return z.NEVER;
    }
    return n;
  });

const host = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return '127.0.0.1';
    if (/\s/.test(raw.trim())) {
      ctx.addIssue({
        code: 'custom',
        message: `must be an address or host name without spaces, got "${raw}"`,
      });
      return z.NEVER;
    }
    return raw.trim();
  });

/** A server's URL with one of the schemes it may have; its password never appears in the error. */
function serverUrl(schemes: string[], example: string) {
  return optionalText.transform((raw, ctx) => {
    if (raw === undefined) return null;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be a URL such as ${example}` });
      return z.NEVER;
    }
    if (!schemes.includes(url.protocol.replace(/:$/, ''))) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a URL such as ${example}, got ${publicUrl(raw)}`,
      });
      return z.NEVER;
    }
    return raw;
  });
}

const settingsEnvSchema = z.object({
  SWAPBENCH_DATASETS: optionalText,
  SWAPBENCH_RUNS: optionalText,
  SWAPBENCH_CONFIG: optionalText,
  SWAPBENCH_DEBUG: optionalText,
  SWAPBENCH_DATABASE_URL: serverUrl(['postgres', 'postgresql'], 'postgres://user@host:5432/swapbench'),
  SWAPBENCH_REDIS_URL: serverUrl(['redis', 'rediss'], 'redis://host:6379'),
  SWAPBENCH_PUBLIC_URL: serverUrl(['http', 'https'], 'https://swapbench.example.org'),
  PORT: port,
  HOST: host,
});

/**
 * Reads and validates the settings from an environment-like object. A bad value is a UserError naming
 * the variable (`PORT must be a whole number 0–65535, got "abc"`), which the CLI reports with exit 2.
 * Relative folders are resolved against `cwd`.
 */
export function parseSettings(env: SettingsEnv | NodeJS.ProcessEnv, cwd = process.cwd()): SwapbenchSettings {
  const parsed = settingsEnvSchema.safeParse(pick(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new UserError(problems.join('; '));
  }
  const values = parsed.data;
  return new SwapbenchSettings({
    datasets: resolve(cwd, values.SWAPBENCH_DATASETS ?? 'datasets'),
    runs: resolve(cwd, values.SWAPBENCH_RUNS ?? 'runs'),
    configFile: values.SWAPBENCH_CONFIG
      ? { path: resolve(cwd, values.SWAPBENCH_CONFIG), required: true }
      : { path: resolve(cwd, CONFIG_FILE_NAME), required: false },
    port: values.PORT,
    host: values.HOST,
    debug: values.SWAPBENCH_DEBUG !== undefined,
    cwd,
    databaseUrl: values.SWAPBENCH_DATABASE_URL,
    redisUrl: values.SWAPBENCH_REDIS_URL,
    publicUrl: values.SWAPBENCH_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
  });
}

/** Only the variables the schema knows, each a string or absent (a non-string is reported as such). */
function pick(env: SettingsEnv | NodeJS.ProcessEnv): Record<string, unknown> {
  const source = env as Record<string, unknown>;
  const names = Object.keys(settingsEnvSchema.shape);
  return Object.fromEntries(
    names.filter((name) => source[name] !== undefined).map((name) => [name, source[name]]),
  );
}
