import { access, readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../core/atomic-write';
import { isPng } from '../core/image-type';
import { LocalFiles, type SharedFiles } from '../database/shared-files';

/**
 * Image files of run items: `runs/<day>/<tool_id>/<case_id>.png` with a JSON sidecar beside each.
 * Files are written to a temp name and renamed, so a reader (or a resumed run) sees a whole file or
 * none; names are never reused, so a later run never overwrites an earlier one. In team mode each file
 * written is published to the team (`SharedFiles`), and one another process wrote is fetched on demand.
 */
export class OutputStore {
  /** @param root the runs folder (`SwapbenchSettings.runs`). */
  constructor(
    readonly root: string,
    private readonly shared: SharedFiles = new LocalFiles(),
  ) {}

  /** Candidate names for an item's image, relative to the runs folder: `case.png`, `case-2.png`, ... */
  *candidates(day: string, toolId: string, caseId: string): Generator<string> {
    yield posix.join(day, toolId, `${caseId}.png`);
    for (let n = 2; ; n++) yield posix.join(day, toolId, `${caseId}-${n}.png`);
  }

  absolute(relativePath: string): string {
    return join(this.root, ...relativePath.split('/'));
  }

  /** Whether the file is there; in team mode, fetched first when another process wrote it. */
  async exists(relativePath: string): Promise<boolean> {
    await this.shared.fetch('runs', relativePath);
    return access(this.absolute(relativePath)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Stores a tool's image (a whole image: checked, or the case's template) as PNG, converting other
   * formats, atomically; returns the bytes stored.
   */
  async writeImage(relativePath: string, image: Buffer): Promise<Buffer> {
    const png = isPng(image) ? image : await sharp(image).png().toBuffer();
    await writeFileAtomic(this.absolute(relativePath), png);
    await this.shared.publish('runs', relativePath);
    return png;
  }

  async readImage(relativePath: string): Promise<Buffer> {
    return readFile(this.absolute(relativePath));
  }

  /**
   * Removes the temp files a killed process left while writing this image or its sidecar
   * (`.<name>.<pid>.<random>.tmp`, see `writeFileAtomic`). Only the item that reserved the path writes there.
   */
  async removePartial(relativePath: string): Promise<void> {
    const dir = dirname(this.absolute(relativePath));
    const names = [basename(relativePath), basename(sidecarPath(relativePath))];
    const entries = await readdir(dir).catch(() => [] as string[]);
    const partial = entries.filter((e) => names.some((n) => e.startsWith(`.${n}.`) && e.endsWith('.tmp')));
    await Promise.all(partial.map((e) => rm(join(dir, e), { force: true })));
  }

  /** Writes the item's metadata beside its image (`<case_id>.json`). */
  async writeSidecar(relativePath: string, sidecar: object): Promise<void> {
    const path = sidecarPath(relativePath);
    await writeFileAtomic(this.absolute(path), JSON.stringify(sidecar, null, 2) + '\n');
    await this.shared.publish('runs', path);
  }
}

export function sidecarPath(imagePath: string): string {
  return imagePath.replace(/\.png$/, '.json');
}

/** URL under which the server serves a file of the runs folder. */
export function runsUrl(relativePath: string | null): string | null {
  return relativePath === null ? null : '/runs/' + relativePath.split('/').map(encodeURIComponent).join('/');
}
