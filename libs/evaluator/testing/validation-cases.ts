import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeCaseFolder } from '../../cases/case-folder.writer';
import { avatarImage, type SourcePhoto } from '../../cases/demo-cases.service';
import type { CaseManifest } from '../../cases/test-case';
import { packageRoot } from '../../core/package-root';

type Box = [number, number, number, number];

/** One photo placed on a validation template: scaled to `height`, optionally cropped first. */
interface Layer {
  photo: string;
  left: number;
  top: number;
  height: number;
  /** Region of the source photo to use (x, y, w, h), before scaling; the whole photo by default. */
  crop?: Box;
  mirrored?: boolean;
}

interface ValidationRecipe {
  id: string;
  title: string;
  size: [number, number];
  /** One slot per layer, in order. */
  layers: Layer[];
  avatars: Array<{ photo: string; variant?: 'mirrored' | 'dim' }>;
}

/**
 * Cases the score is validated on beyond the demo cases, each a composition the demo cases lack: small
 * faces in a wide frame, three people, a face cut by the frame's border, a small near-profile face.
 * Built from the same public-domain photos, on a backdrop made from one of them (real texture, so a
 * registration has something to hold on to besides the people).
 */
const RECIPES: ValidationRecipe[] = [
  {
    id: 'val_small_pair',
    title: 'Two small faces in a wide frame',
    size: [1024, 640],
    layers: [
      { photo: 'astronaut', left: 140, top: 330, height: 300 },
      { photo: 'hopper', left: 600, top: 300, height: 330 },
    ],
    avatars: [{ photo: 'hopper' }, { photo: 'astronaut', variant: 'dim' }],
  },
  {
    id: 'val_trio',
    title: 'Three people side by side',
    size: [1200, 440],
    layers: [
      { photo: 'astronaut', left: 0, top: 20, height: 420 },
      { photo: 'hopper', left: 420, top: 20, height: 420 },
      { photo: 'camera', left: 780, top: 20, height: 420, crop: [60, 0, 452, 512] },
    ],
    avatars: [
      { photo: 'hopper', variant: 'mirrored' },
      { photo: 'camera', variant: 'mirrored' },
      { photo: 'astronaut' },
    ],
  },
  {
    id: 'val_border',
    title: 'A face at the frame border',
    size: [720, 560],
    layers: [{ photo: 'hopper', left: 0, top: 0, height: 700, crop: [140, 100, 372, 500] }],
    avatars: [{ photo: 'astronaut' }],
  },
  {
    id: 'val_filming',
    title: 'A person filming, small near-profile face',
    size: [900, 720],
    layers: [{ photo: 'camera', left: 90, top: 0, height: 720 }],
    avatars: [{ photo: 'astronaut' }],
  },
];

/** The validation case ids, in a stable order. */
export const VALIDATION_CASE_IDS = RECIPES.map((r) => r.id);

/** Writes the validation cases into `datasetsDir` (one folder each, like any case). */
export async function writeValidationCases(datasetsDir: string): Promise<void> {
  const sourcesDir = join(packageRoot(), 'datasets', 'sources');
  const photos = JSON.parse(await readFile(join(sourcesDir, 'photos.json'), 'utf8')) as Record<
    string,
    SourcePhoto
  >;
  for (const recipe of RECIPES) {
    await writeCaseFolder(join(datasetsDir, recipe.id), await build(recipe, photos, sourcesDir));
  }
}

async function build(recipe: ValidationRecipe, photos: Record<string, SourcePhoto>, sourcesDir: string) {
  const [width, height] = recipe.size;
  const backdrop = await sharp(join(sourcesDir, photos.camera.file))
    .removeAlpha()
    .toColourspace('srgb')
    // The field and sky of the camera photo, tinted, away from its person.
    .extract({ left: 0, top: 300, width: 512, height: 212 })
    .resize(width, height, { fit: 'cover' })
    .tint('#b0a080')
    .png()
    .toBuffer();
  const layers = await Promise.all(
    recipe.layers.map(async (layer) => {
      const src = photos[layer.photo];
      let image = sharp(join(sourcesDir, src.file)).removeAlpha().toColourspace('srgb');
      const meta = await image.metadata();
      const crop: Box = layer.crop ?? [0, 0, meta.width, meta.height];
      image = image.extract({ left: crop[0], top: crop[1], width: crop[2], height: crop[3] });
      const scale = layer.height / crop[3];
      const w = Math.round(crop[2] * scale);
      if (layer.mirrored) image = image.flop();
      const [fx, fy, fw, fh] = src.face;
      const box: Box = [
        Math.round(layer.left + (fx - crop[0]) * scale),
        Math.round(layer.top + (fy - crop[1]) * scale),
        Math.round(fw * scale),
        Math.round(fh * scale),
      ];
      // Clip the placed photo to the canvas, as a photo's frame would.
      const visibleW = Math.min(w, width - layer.left);
      const visibleH = Math.min(layer.height, height - layer.top);
      const buffer = await image
        .resize(w, layer.height)
        .extract({ left: 0, top: 0, width: visibleW, height: visibleH })
        .png()
        .toBuffer();
      return { buffer, left: layer.left, top: layer.top, box };
    }),
  );
  const template = await sharp(backdrop)
    .composite(layers.map((l) => ({ input: l.buffer, left: l.left, top: l.top })))
    .png()
    .toBuffer();
  const files = new Map<string, Buffer>([['template.png', template]]);
  const slots = await Promise.all(
    recipe.avatars.map(async (a, i) => {
      const name = `avatars/${i + 1}_${a.photo}.png`;
      files.set(name, await avatarImage(photos[a.photo], join(sourcesDir, photos[a.photo].file), a.variant));
      return { id: `p${i + 1}`, box: layers[i].box, avatar: name };
    }),
  );
  const manifest: CaseManifest = {
    id: recipe.id,
    title: recipe.title,
    template: 'template.png',
    slots,
    tags: ['validation'],
  };
  files.set('case.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
  return files;
}
