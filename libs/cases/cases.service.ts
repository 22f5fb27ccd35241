import { Injectable } from '@nestjs/common';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { isSlug } from '../core/slug';
import { UserError } from '../core/user-error';
import { CaseImages } from './case-images';
import { caseManifestSchema, describeIssues } from './case.schema';
import type { CaseManifest, CaseSummary, InvalidCase, TestCase } from './test-case';

export { MAX_IMAGE_PIXELS } from './case-images';

export interface CaseListing {
  cases: TestCase[];
  invalid: InvalidCase[];
}

/** Loads and validates the test cases of the datasets folder. One broken case never hides the others. */
@Injectable()
export class CasesService {
  /** Images checked and content hashes known, this service's own (byte-bounded). */
  protected readonly images = new CaseImages();

  constructor(private readonly settings: SwapbenchSettings) {}

  get root(): string {
    return this.settings.datasets;
  }

  async list(): Promise<CaseListing> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw new UserError(`Cannot read the datasets folder ${this.root}: ${error.code ?? error.message}`);
      },
    );
    // `sources` holds the demo photos; `.tmp`/`.old` folders are a case being written right now.
    const dirs = entries.filter(
      (e) =>
        e.isDirectory() && !e.name.startsWith('.') && e.name !== 'sources' && !/\.(tmp|old)$/.test(e.name),
    );
    const loaded = await Promise.all(dirs.map((d) => this.load(d.name)));
    const listing: CaseListing = { cases: [], invalid: [] };
    for (const result of loaded) {
      if ('error' in result) listing.invalid.push(result);
      else listing.cases.push(result);
    }
    listing.cases.sort((a, b) => a.id.localeCompare(b.id));
    listing.invalid.sort((a, b) => a.id.localeCompare(b.id));
    return listing;
  }

  /** Every case, valid or not, in the listing shape of the API and the CLI. */
  async summaries(): Promise<CaseSummary[]> {
    return this.summariesOf(await this.list());
  }

  /** The summaries of a listing already read (see `summaries`). */
  summariesOf({ cases, invalid }: CaseListing): CaseSummary[] {
    const valid = cases.map((c) => summarize(c, this.root));
    const broken = invalid.map((c) => invalidCaseSummary(c.id, c.error));
    return [...valid, ...broken].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Resolves a selection (`all` or ids) to valid cases; unknown or invalid ids are a UserError that
   * lists the valid ones.
   */
  async select(ids: readonly string[] | 'all'): Promise<TestCase[]> {
    const { cases, invalid } = await this.list();
    if (ids === 'all') {
      if (cases.length === 0) {
        throw new UserError(
          `No valid test cases in ${this.root}. Run \`swapbench generate-cases\` to create the demo cases.`,
        );
      }
      return cases;
    }
    if (ids.length === 0) throw new UserError('No test cases selected: give at least one case id, or `all`.');
    if (ids.includes('all')) return this.select('all');
    const byId = new Map(cases.map((c) => [c.id, c]));
    const problems: string[] = [];
    ids = expandTags(ids, cases, problems);
    for (const id of ids) {
      if (byId.has(id)) continue;
      const broken = invalid.find((c) => c.id === id);
      problems.push(broken ? `test case "${id}" is invalid: ${broken.error}` : `unknown test case "${id}"`);
    }
    if (problems.length > 0) {
      const known = cases.map((c) => c.id).join(', ') || '(none)';
      throw new UserError(`${problems.join('; ')}. Valid cases: ${known}`, 404);
    }
    return [...new Set(ids)].map((id) => byId.get(id)!);
  }

  /** Loads one case folder; returns what is wrong instead of throwing. */
  async load(id: string): Promise<TestCase | InvalidCase> {
    const dir = join(this.root, id);
    const manifestPath = join(dir, 'case.json');
    const where = relative(this.root, manifestPath);
    const invalid = (error: string): InvalidCase => ({ id, dir, error: `${where}: ${error}` });
    if (!isSlug(id)) return { id, dir, error: `${id}: folder name must be a slug (a-z, 0-9, _ or -)` };

    let raw: string;
    try {
      raw = await readFile(manifestPath, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return invalid(code === 'ENOENT' ? 'file is missing' : `cannot be read (${code})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      return invalid(`is not valid JSON (${(error as Error).message})`);
    }
    const parsed = caseManifestSchema.safeParse(json);
    if (!parsed.success) return invalid(describeIssues(parsed.error));
    const manifest: CaseManifest = parsed.data;
    if (manifest.id !== id) return invalid(`id: "${manifest.id}" must equal the folder name "${id}"`);
    const slotIds = manifest.slots.map((s) => s.id);
    const duplicate = slotIds.find((s, i) => slotIds.indexOf(s) !== i);
    if (duplicate) return invalid(`slots: slot id "${duplicate}" is used twice`);

    const template = await this.images.read(dir, manifest.template);
    if ('error' in template) return invalid(`template: ${template.error}`);
    const avatars = [];
    for (const [i, slot] of manifest.slots.entries()) {
      const [x, y, w, h] = slot.box;
      if (x + w > template.width || y + h > template.height) {
        return invalid(
          `slots[${i}].box: [${slot.box.join(', ')}] reaches outside the ${template.width}×${template.height} template`,
        );
      }
      const avatar = await this.images.read(dir, slot.avatar);
      if ('error' in avatar) return invalid(`slots[${i}].avatar: ${avatar.error}`);
      avatars.push(avatar);
    }
    return {
      ...manifest,
      dir,
      templatePath: template.path,
      avatarPaths: avatars.map((a) => a.path),
      width: template.width,
      height: template.height,
      contentHash: this.images.contentHash(manifest, template, avatars),
    };
  }
}

function summarize(c: TestCase, root: string): CaseSummary {
  const url = (p: string) =>
    '/datasets/' + relative(root, p).split(/[\\/]/).map(encodeURIComponent).join('/');
  return {
    id: c.id,
    title: c.title,
    slots: c.slots,
    tags: c.tags ?? [],
    valid: true,
    error: null,
    template_url: url(c.templatePath),
    avatar_urls: c.avatarPaths.map(url),
    width: c.width,
    height: c.height,
    source: c.source ?? null,
    license: c.license ?? null,
    prompt: c.prompt ?? null,
  };
}

/** The listing shape of a case that cannot be used, with why. */
export function invalidCaseSummary(id: string, error: string): CaseSummary {
  return {
    id,
    title: id,
    slots: [],
    tags: [],
    valid: false,
    error,
    template_url: null,
    avatar_urls: [],
    width: null,
    height: null,
    source: null,
    license: null,
    prompt: null,
  };
}

/** Replaces each `tag:<tag>` of a selection by the ids of the valid cases with that tag, in listing order. */
function expandTags(ids: readonly string[], cases: TestCase[], problems: string[]): string[] {
  return ids.flatMap((id) => {
    if (!id.startsWith('tag:')) return [id];
    const tag = id.slice('tag:'.length);
    const tagged = cases.filter((c) => (c.tags ?? []).includes(tag)).map((c) => c.id);
    if (tagged.length === 0) problems.push(`no valid test case has the tag "${tag}"`);
    return tagged;
  });
}
