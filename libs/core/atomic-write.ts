import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Where the temp file of an atomic write lives. */
export interface AtomicWriteOptions {
  /**
   * A folder for the temp file, on the same file system as the target (a rename cannot cross file
   * systems). By default the target's own folder, under a dot name so listings and the server skip it.
   */
  tempFolder?: string;
  /**
   * Flush the file and its folder to disk (default true). Only for a cache that checks every entry when
   * it reads it and makes a bad one again: a power cut may cost it entries, never a wrong answer, and
   * each flush costs about 9 ms on this machine's disk.
   */
  flush?: boolean;
}

/**
 * Writes a file through a temp file and a rename, so readers see the old file or the new one, never half
 * of one, and a crash leaves the old file intact. The temp file is flushed to disk before the rename and
 * the folder after it, so once this resolves the new content survives a power cut too.
 * The temp file's name carries this process's pid: see `tempFileWriter`.
 */
export async function writeFileAtomic(
  path: string,
  data: Buffer | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const folder = dirname(path);
  await mkdir(folder, { recursive: true });
  const stem = options.tempFolder ? basename(path) : `.${basename(path)}`;
  if (options.tempFolder) await mkdir(options.tempFolder, { recursive: true });
  const temp = join(
    options.tempFolder ?? folder,
    `${stem}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const file = await open(temp, 'wx');
    try {
      await file.writeFile(data);
      if (options.flush !== false) await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  if (options.flush !== false) await syncFolder(folder);
}

/** The pid of the process that named a temp file of `writeFileAtomic`, or null for another name. */
export function tempFileWriter(name: string): number | null {
  const match = /\.(\d+)\.[0-9a-z]+\.tmp$/.exec(name);
  return match ? Number(match[1]) : null;
}

/**
 * Flushes a folder's entries (the rename) to disk. Some platforms and file systems cannot fsync a folder
 * (Windows, some network mounts): they answer EISDIR, EPERM or EINVAL, and there is nothing more to do.
 */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
  }
}
