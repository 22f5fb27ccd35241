import { Injectable } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { caseManifestSchema, describeIssues } from '../cases/case.schema';
import { writeCaseFolder, type CaseFiles } from '../cases/case-folder.writer';
import { CasesService } from '../cases/cases.service';
import type { CaseManifest, CaseSummary, Slot } from '../cases/test-case';
import { isSlug } from '../core/slug';
import { UserError } from '../core/user-error';
import { FaceAnalyzer } from '../faces/face-analyzer.service';
import type { CaseDraft, SuppliedImage } from './case-draft';
import { findFaces, slugPart, type FoundFace } from './template-slots';
import { normalizeImage, type NormalizedImage } from './uploaded-image';

/** Faces of an uploaded template, for the browser to draw as numbered slots before the case is saved. */
export interface FacePreview {
  width: number;
  height: number;
  faces: FoundFace[];
}

/** The datasets sub-folder of the demo photos; never a case id. */
const RESERVED_ID = 'sources';

/** Most avatars (and so slots) one case may have; the manifest schema allows 16 slots. */
export const MAX_AVATARS = 16;

/**
 * Creates test cases from images a user supplies: checks every image (format, size, pixels, a complete
 * decode), finds the faces of the template, turns the assigned ones into slots, and writes the case
 * folder in the standard format through a temp folder and a rename. Any problem is a UserError and
 * leaves nothing on disk.
 */
@Injectable()
export class CaseAuthoringService {
  constructor(
    private readonly cases: CasesService,
    private readonly faces: FaceAnalyzer,
  ) {}

  /** The faces of a template image, left to right, in the pixel space the case will store. */
  async previewFaces(image: SuppliedImage): Promise<FacePreview> {
    checkFileName(image.name);
    const normalized = await normalizeImage(image.bytes, `image "${image.name}"`);
    return { width: normalized.width, height: normalized.height, faces: await this.detect(normalized) };
  }

  /** Validates the draft, writes `datasets/<id>/` and returns the new case as the gallery lists it. */
  async create(draft: CaseDraft): Promise<CaseSummary> {
    const title = draft.title.trim();
    if (!title) throw new UserError('title: give the case a name');
    const id = draft.id?.trim() || this.freeIdFor(title);
    if (!isSlug(id)) {
      throw new UserError(
        `id: "${id.slice(0, 80)}" is not a valid case id (a-z, 0-9, _ or -, starting with a letter or digit, at most 64 characters)`,
      );
    }
    if (id === RESERVED_ID) throw new UserError(`id: "${RESERVED_ID}" is reserved for the demo photos`);
    if (existsSync(join(this.cases.root, id)))
      throw new UserError(`A test case with the id "${id}" already exists`, 409);
    if (draft.avatars.length === 0) throw new UserError('avatars: upload at least one avatar image');
    if (draft.avatars.length > MAX_AVATARS)
      throw new UserError(`avatars: at most ${MAX_AVATARS} avatar images per case`);
    for (const image of [draft.template, ...draft.avatars]) checkFileName(image.name);

    const [template, ...avatars] = await Promise.all([
      normalizeImage(draft.template.bytes, `template "${draft.template.name}"`),
      ...draft.avatars.map((a) => normalizeImage(a.bytes, `avatar "${a.name}"`)),
    ]);
    const faces = await this.detect(template);
    if (faces.length === 0) {
      throw new UserError(`template "${draft.template.name}": no face was found, so it has no slots`, 422);
    }
    const assignments = resolveAssignments(draft.assignments, faces.length, draft.avatars.length);
    const used = [...new Set(assignments.filter((a): a is number => a !== null))].sort((a, b) => a - b);
    await Promise.all(
      used.map(async (i) => {
        if ((await this.detect(avatars[i])).length === 0)
          throw new UserError(`avatar "${draft.avatars[i].name}": no face was found`, 422);
      }),
    );

    const files: CaseFiles = new Map([['template.png', template.png]]);
    const avatarFile = new Map<number, string>();
    for (const i of used) {
      const name = `avatars/${avatarFile.size + 1}_${slugPart(draft.avatars[i].name) || 'avatar'}.png`;
      avatarFile.set(i, name);
      files.set(name, avatars[i].png);
    }
    const slots: Slot[] = [];
    faces.forEach((face, f) => {
      const avatar = assignments[f];
      if (avatar !== null)
        slots.push({ id: `p${slots.length + 1}`, box: face.box, avatar: avatarFile.get(avatar)! });
    });
    const manifest: CaseManifest = {
      id,
      title,
      template: 'template.png',
      slots,
      ...(draft.prompt?.trim() ? { prompt: draft.prompt.trim() } : {}),
      ...(draft.tags && draft.tags.length > 0 ? { tags: draft.tags } : {}),
      source: draft.source ?? 'Uploaded by the user in the swapbench web app',
      ...(draft.license ? { license: draft.license } : {}),
    };
    const checked = caseManifestSchema.safeParse(manifest);
    if (!checked.success) throw new UserError(describeIssues(checked.error));
    files.set('case.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
    await writeCaseFolder(join(this.cases.root, id), files, 'refuse');

    const created = (await this.cases.summaries()).find((c) => c.id === id);
    if (!created?.valid) throw new Error(`case ${id} was written but does not load: ${created?.error}`);
    return created;
  }

  private detect(image: NormalizedImage): Promise<FoundFace[]> {
    return findFaces(this.faces, image.png);
  }

  /** The title as a slug, with `_2`, `_3`… when a case of that id exists already. */
  private freeIdFor(title: string): string {
    const base = slugPart(title, 56) || 'case';
    for (let n = 1; ; n++) {
      const id = n === 1 ? base : `${base}_${n}`;
      if (id !== RESERVED_ID && !existsSync(join(this.cases.root, id))) return id;
    }
  }
}

/**
 * Checks the face → avatar assignment against the faces found and the avatars given. Without one, face i
 * takes avatar i, which needs at least as many avatars as faces.
 */
export function resolveAssignments(
  given: Array<number | null> | undefined,
  faceCount: number,
  avatarCount: number,
): Array<number | null> {
  if (!given) {
    if (faceCount > avatarCount) {
      throw new UserError(
        `The template has ${faceCount} faces but only ${avatarCount} avatar${avatarCount === 1 ? '' : 's'} ` +
          'were given: upload more avatars, or assign avatars to faces and leave the others out',
        422,
      );
    }
    return Array.from({ length: faceCount }, (_, i) => i);
  }
  if (given.length !== faceCount) {
    throw new UserError(
      `assignments: ${given.length} entries for ${faceCount} faces found in the template; give one per face (an avatar index or null)`,
      422,
    );
  }
  given.forEach((a, f) => {
    if (a !== null && (!Number.isInteger(a) || a < 0 || a >= avatarCount)) {
      throw new UserError(
        `assignments[${f}]: ${String(a)} is not an avatar index (0 to ${avatarCount - 1}) or null`,
      );
    }
  });
  if (given.every((a) => a === null))
    throw new UserError('assignments: every face was left out; keep at least one slot');
  return given;
}

/** A file name from the client must be a plain name: a path in it means a confused or hostile client. */
function checkFileName(name: string): void {
  if (/[\\/\0]/.test(name) || name === '..' || name === '.') {
    throw new UserError(`file name "${name.slice(0, 80)}" must be a plain file name, not a path`);
  }
}
