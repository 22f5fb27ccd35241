import { Injectable } from '@nestjs/common';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { sameCaseFiles, writeCaseFolder, type CaseFiles } from '../cases/case-folder.writer';
import { CasesService } from '../cases/cases.service';
import type { CaseManifest } from '../cases/test-case';
import { UserError } from '../core/user-error';
import { cosine } from '../core/cosine';
import { FaceAnalyzer } from '../faces/face-analyzer.service';
import type { FaceBox } from '../faces/face.types';
import { seededRandom } from '../core/seeded-random';
import { CALIBRATION } from '../evaluator/score.calibration';
import { faceCrop, seedFor, shuffled } from './face-crop';
import { clampBox, slugPart } from './template-slots';
import { MAX_IMAGE_BYTES, normalizeImage } from './uploaded-image';

/**
 * Two faces whose identity embeddings are at least this similar are taken for the same person (the
 * score's own threshold): such a face is never the avatar for a template showing that person.
 */
const SAME_PERSON = CALIBRATION.identity.sameAt;
const MAX_SLOTS = 16;
const IMAGE_NAME = /\.(png|jpe?g|webp)$/i;

/** A file of the folder that did not become a case, and why. */
export interface SkippedPhoto {
  file: string;
  reason: string;
}

/** What `generate-cases --from` did. */
export interface FolderCases {
  written: string[];
  unchanged: string[];
  skipped: SkippedPhoto[];
}

interface Photo {
  file: string;
  png: Buffer;
  width: number;
  height: number;
  faces: Array<{ box: FaceBox; embedding: number[] }>;
}

interface AvatarFace {
  photo: Photo;
  face: number;
}

/**
 * Builds test cases from a folder of the user's photos: every photo with faces becomes a template, and
 * each of its people gets, as avatar, a face cropped from another photo — never one that looks like a
 * person in the template. The choice is drawn from a seeded generator, so the same folder and seed always
 * give the same cases. Files that cannot be used are reported with the reason.
 */
@Injectable()
export class PhotoFolderBuilder {
  constructor(
    private readonly cases: CasesService,
    private readonly faces: FaceAnalyzer,
  ) {}

  async build(folder: string, seed: number): Promise<FolderCases> {
    const root = resolve(folder);
    const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(
        error.code === 'ENOENT'
          ? `The photo folder ${root} does not exist`
          : `Cannot read the photo folder ${root}: ${error.code ?? error.message}`,
      );
    });
    const result: FolderCases = { written: [], unchanged: [], skipped: [] };
    const photos: Photo[] = [];
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const skip = (reason: string) => result.skipped.push({ file: entry.name, reason });
      if (!entry.isFile()) skip('not a file');
      else if (!IMAGE_NAME.test(entry.name)) skip('not a PNG, JPEG or WebP file name');
      else {
        const photo = await this.readPhoto(join(root, entry.name)).catch((error: Error) => {
          skip(error instanceof UserError ? error.message.replace(/^photo "[^"]*" /, '') : error.message);
          return null;
        });
        if (!photo) continue;
        if (photo.faces.length === 0) skip('no face found');
        else if (photo.faces.length > MAX_SLOTS)
          skip(`${photo.faces.length} faces; a case has at most ${MAX_SLOTS}`);
        else photos.push(photo);
      }
    }
    const ids = new Set<string>();
    for (const template of photos) {
      const avatars = pickAvatars(template, photos, seed);
      if (avatars.length < template.faces.length) {
        result.skipped.push({
          file: template.file,
          reason:
            `${template.faces.length} face${template.faces.length === 1 ? '' : 's'} but only ${avatars.length} ` +
            'face(s) of other people in other photos to use as avatars',
        });
        continue;
      }
      const id = uniqueId(`photo_${slugPart(template.file, 50) || 'image'}`, ids);
      const files = await caseFiles(id, template, avatars, basename(root), seed);
      const target = join(this.cases.root, id);
      if (await sameCaseFiles(target, files)) result.unchanged.push(id);
      else {
        await writeCaseFolder(target, files, 'replace');
        result.written.push(id);
      }
    }
    return result;
  }

  private async readPhoto(path: string): Promise<Photo> {
    const info = await stat(path);
    if (info.size > MAX_IMAGE_BYTES) {
      throw new UserError(
        `is ${(info.size / 1048576).toFixed(1)} MB; the limit is ${MAX_IMAGE_BYTES / 1048576} MB`,
      );
    }
    const file = basename(path);
    const image = await normalizeImage(await readFile(path), `photo "${file}"`);
    const analysis = await this.faces.analyze(image.png);
    return {
      file,
      ...image,
      faces: analysis.faces.map((f) => ({
        box: clampBox(f.box, image.width, image.height),
        embedding: f.embedding,
      })),
    };
  }
}

/** One avatar face per template face, from other photos, each a different person from everyone shown. */
function pickAvatars(template: Photo, photos: Photo[], seed: number): AvatarFace[] {
  const candidates = photos
    .filter((p) => p !== template)
    .flatMap((photo) => photo.faces.map((_, face) => ({ photo, face })));
  const picked: AvatarFace[] = [];
  const people = template.faces.map((f) => f.embedding);
  for (const candidate of shuffled(candidates, seededRandom(seedFor(seed, template.file)))) {
    if (picked.length === template.faces.length) break;
    const embedding = candidate.photo.faces[candidate.face].embedding;
    if (people.some((p) => cosine(p, embedding) >= SAME_PERSON)) continue;
    picked.push(candidate);
    people.push(embedding);
  }
  return picked;
}

async function caseFiles(
  id: string,
  template: Photo,
  avatars: AvatarFace[],
  folder: string,
  seed: number,
): Promise<CaseFiles> {
  const files: CaseFiles = new Map([['template.png', template.png]]);
  const slots = await Promise.all(
    template.faces.map(async (face, i) => {
      const { photo, face: f } = avatars[i];
      const name = `avatars/${i + 1}_${slugPart(photo.file, 40) || 'photo'}${photo.faces.length > 1 ? `_f${f + 1}` : ''}.png`;
      files.set(name, await faceCrop(photo.png, photo.faces[f].box, photo.width, photo.height));
      return { id: `p${i + 1}`, box: face.box, avatar: name };
    }),
  );
  const n = template.faces.length;
  const manifest: CaseManifest = {
    id,
    title: `${template.file}: ${n === 1 ? 'one person' : `${n} people`}, avatars from other photos`,
    template: 'template.png',
    slots,
    tags: ['from-folder', n === 1 ? 'one-person' : `${n}-people`],
    source:
      `Built by swapbench generate-cases --from ${folder} --seed ${seed}: template ${template.file}; ` +
      `avatars from ${[...new Set(avatars.map((a) => a.photo.file))].join(', ')}`,
  };
  files.set('case.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return files;
}

function uniqueId(base: string, taken: Set<string>): string {
  let id = base.slice(0, 64);
  for (let n = 2; taken.has(id); n++) id = `${base.slice(0, 60)}_${n}`;
  taken.add(id);
  return id;
}
