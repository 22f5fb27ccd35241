import { Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { packageRoot } from '../core/package-root';
import { SwapbenchSettings } from '../core/config/swapbench-settings';
import { sameCaseFiles, writeCaseFolder } from './case-folder.writer';
import type { CaseManifest } from './test-case';

type Box = [number, number, number, number];

/** A photo of `datasets/sources/photos.json`: public-domain or CC0, with its face box. */
export interface SourcePhoto {
  file: string;
  person: string;
  license: string;
  face: Box;
}

/** A placement of a source photo in a composed template. */
interface Placement {
  photo: string;
  /** Height the photo is scaled to. */
  height: number;
  left: number;
}

/** How one demo case is built from the source photos. */
interface DemoRecipe {
  id: string;
  title: string;
  tags: string[];
  /** Side by side photos forming the template; one slot per placement, in order. */
  template: Placement[];
  /** Per slot, the photo whose face becomes the avatar, and how the avatar is altered. */
  avatars: Array<{ photo: string; variant?: 'mirrored' | 'dim' }>;
}

const RECIPES: DemoRecipe[] = [
  {
    id: 'demo_solo_astronaut',
    title: 'Astronaut portrait, Grace Hopper as the avatar',
    tags: ['demo', 'one-person', 'frontal'],
    template: [{ photo: 'astronaut', height: 512, left: 0 }],
    avatars: [{ photo: 'hopper' }],
  },
  {
    id: 'demo_solo_hopper',
    title: 'Grace Hopper portrait, astronaut as the avatar (mirrored, dimmer light)',
    tags: ['demo', 'one-person', 'pose-differs', 'lighting-differs'],
    template: [{ photo: 'hopper', height: 600, left: 0 }],
    avatars: [{ photo: 'astronaut', variant: 'dim' }],
  },
  {
    id: 'demo_solo_profile',
    title: 'Astronaut portrait, near-profile greyscale avatar',
    tags: ['demo', 'one-person', 'pose-differs', 'lighting-differs'],
    template: [{ photo: 'astronaut', height: 512, left: 0 }],
    avatars: [{ photo: 'camera' }],
  },
  {
    id: 'demo_duo',
    title: 'Two people side by side: astronaut and Grace Hopper',
    tags: ['demo', 'two-people'],
    template: [
      { photo: 'astronaut', height: 512, left: 0 },
      { photo: 'hopper', height: 512, left: 512 },
    ],
    avatars: [
      { photo: 'camera', variant: 'mirrored' },
      { photo: 'astronaut', variant: 'mirrored' },
    ],
  },
];

export interface GeneratedCases {
  written: string[];
  unchanged: string[];
}

/**
 * Builds the demo test cases offline from the public-domain photos shipped in `datasets/sources/`.
 * Slot boxes come from the recorded face boxes, carried through the composition. Re-running leaves
 * identical cases alone and never leaves a half-written case folder.
 */
@Injectable()
export class DemoCasesService {
  constructor(private readonly settings: SwapbenchSettings) {}

  async generate(): Promise<GeneratedCases> {
    const sourcesDir = join(packageRoot(), 'datasets', 'sources');
    const photos = JSON.parse(await readFile(join(sourcesDir, 'photos.json'), 'utf8')) as Record<
      string,
      SourcePhoto
    >;
    const result: GeneratedCases = { written: [], unchanged: [] };
    for (const recipe of RECIPES) {
      const files = await this.build(recipe, photos, sourcesDir);
      const target = join(this.settings.datasets, recipe.id);
      if (await sameCaseFiles(target, files)) {
        result.unchanged.push(recipe.id);
        continue;
      }
      await writeCaseFolder(target, files);
      result.written.push(recipe.id);
    }
    return result;
  }

  private async build(recipe: DemoRecipe, photos: Record<string, SourcePhoto>, sourcesDir: string) {
    const photo = (name: string) => photos[name];
    const layers = await Promise.all(
      recipe.template.map(async (p) => {
        const src = photo(p.photo);
        const image = sharp(join(sourcesDir, src.file)).removeAlpha().toColourspace('srgb');
        const meta = await image.metadata();
        const scale = p.height / meta.height;
        const width = Math.round(meta.width * scale);
        const buffer = await image.resize(width, p.height).png().toBuffer();
        const [fx, fy, fw, fh] = src.face;
        const box: Box = [
          Math.round(p.left + fx * scale),
          Math.round(fy * scale),
          Math.round(fw * scale),
          Math.round(fh * scale),
        ];
        return { buffer, width, height: p.height, left: p.left, box };
      }),
    );
    const width = Math.max(...layers.map((l) => l.left + l.width));
    const height = Math.max(...layers.map((l) => l.height));
    const template = await sharp({ create: { width, height, channels: 3, background: '#808080' } })
      .composite(layers.map((l) => ({ input: l.buffer, left: l.left, top: 0 })))
      .png()
      .toBuffer();

    const files = new Map<string, Buffer>([['template.png', template]]);
    const slots = await Promise.all(
      recipe.avatars.map(async (a, i) => {
        const name = `avatars/${i + 1}_${a.photo}.png`;
        files.set(name, await avatarImage(photo(a.photo), join(sourcesDir, photo(a.photo).file), a.variant));
        return { id: `p${i + 1}`, box: layers[i].box, avatar: name };
      }),
    );
    const people = [
      ...new Set([...recipe.template.map((p) => p.photo), ...recipe.avatars.map((a) => a.photo)]),
    ];
    const manifest: CaseManifest = {
      id: recipe.id,
      title: recipe.title,
      template: 'template.png',
      slots,
      tags: recipe.tags,
      source: `Built by swapbench generate-cases from ${people.map((p) => photo(p).file).join(', ')} (datasets/sources)`,
      license: people.map((p) => `${photo(p).person}: ${photo(p).license}`).join('; '),
    };
    files.set('case.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
    return files;
  }
}

/** A head-and-shoulders crop around the face, as a user would supply an avatar photo. */
export async function avatarImage(
  photo: SourcePhoto,
  path: string,
  variant?: 'mirrored' | 'dim',
): Promise<Buffer> {
  const image = sharp(path).removeAlpha().toColourspace('srgb');
  const meta = await image.metadata();
  const [fx, fy, fw, fh] = photo.face;
  const side = Math.round(Math.max(fw, fh) * 1.8);
  const cx = fx + fw / 2;
  const cy = fy + fh / 2;
  const left = Math.max(0, Math.min(meta.width - side, Math.round(cx - side / 2)));
  const top = Math.max(0, Math.min(meta.height - side, Math.round(cy - side / 2)));
  const size = Math.min(side, meta.width, meta.height);
  let crop = image.extract({ left, top, width: size, height: size }).resize(320, 320);
  if (variant === 'mirrored') crop = crop.flop();
  if (variant === 'dim') crop = crop.flop().linear(0.7, 10).modulate({ saturation: 0.8 });
  return crop.png().toBuffer();
}
