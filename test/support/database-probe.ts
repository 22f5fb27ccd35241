import { join } from 'node:path';
import { Client } from 'pg';
import sqlite3 from 'sqlite3';

/** Where a test's data is stored: the SQLite file in its runs folder, or its Postgres database. */
export interface StoredData {
  runs: string;
  databaseUrl?: string;
}

/**
 * Runs one statement against a test's database outside the app (as an operator would after a crash) and
 * closes the connection again. Opening a SQLite file replays or rolls back whatever journal a killed
 * process left.
 */
export async function queryDatabase<T = Record<string, unknown>>(
  data: StoredData,
  sql: string,
): Promise<T[]> {
  if (data.databaseUrl) {
    const client = new Client({ connectionString: data.databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(join(data.runs, 'swapbench.db'), (openError) => {
      if (openError) return reject(openError);
      db.all(sql, (error, rows) => {
        db.close(() => (error ? reject(error) : resolve(rows as T[])));
      });
    });
  });
}

/** The tables of the schema, by name. */
export async function tableNames(data: StoredData): Promise<string[]> {
  const rows = await queryDatabase<{ name: string }>(
    data,
    data.databaseUrl
      ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
      : "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
  );
  return rows.map((r) => r.name);
}

/**
 * `['ok']` when the database is sound after a process was killed: SQLite's `integrity_check` of the file;
 * on Postgres (which rolls back a dead client's transaction itself), no transaction left open.
 */
export async function integrityCheck(data: StoredData): Promise<string[]> {
  if (data.databaseUrl) {
    const open = await queryDatabase<{ pid: number; state: string }>(
      data,
      `SELECT pid, state FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
    );
    return open.length === 0 ? ['ok'] : open.map((o) => `process ${o.pid}: ${o.state}`);
  }
  const rows = await queryDatabase<{ integrity_check: string }>(data, 'PRAGMA integrity_check');
  return rows.map((r) => r.integrity_check);
}

/** Everything the database holds, as text: every row of every table (for a search through it). */
export async function databaseText(data: StoredData): Promise<string> {
  const tables = await tableNames(data);
  const rows = await Promise.all(
    tables.map(async (name) => [name, await queryDatabase(data, `SELECT * FROM "${name}"`)]),
  );
  return JSON.stringify(rows);
}
