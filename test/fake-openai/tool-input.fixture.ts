import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Slot } from '../../libs/cases/test-case';
import type { ToolInput, ToolOptionValues } from '../../libs/tools/tool';

/** A ToolInput with real images on disk, and the folder to remove afterwards. */
export interface ToolInputFixture {
  input: ToolInput;
  dir: string;
  cleanup(): Promise<void>;
}

const COLOURS = [
  { r: 220, g: 30, b: 30 },
  { r: 30, g: 30, b: 220 },
  { r: 230, g: 200, b: 20 },
  { r: 120, g: 20, b: 160 },
];

/**
 * Builds a case-like input: a 240×120 template and one small avatar per slot, each a distinct colour so
 * tests can tell them apart by bytes. The second avatar is a JPEG, as users' photos often are. Slots are
 * listed right-to-left on purpose, so that slot order and position order differ.
 */
export async function makeToolInput(
  options: ToolOptionValues,
  slotCount = 2,
  fileStem = 'template',
): Promise<ToolInputFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'swapbench-fixture-'));
  const template = await sharp({
    create: { width: 240, height: 120, channels: 3, background: { r: 90, g: 140, b: 90 } },
  })
    .png()
    .toBuffer();
  const templatePath = join(dir, `${fileStem}.png`);
  await writeFile(templatePath, template);
  const slots: Slot[] = [];
  const avatars: ToolInput['avatars'] = [];
  for (let i = 0; i < slotCount; i++) {
    const id = `p${i + 1}`;
    const base = sharp({
      create: { width: 32, height: 32, channels: 3, background: COLOURS[i % COLOURS.length] },
    });
    const jpeg = i === 1;
    const image = jpeg ? await base.jpeg().toBuffer() : await base.png().toBuffer();
    const path = join(dir, `avatar-${id}.${jpeg ? 'jpg' : 'png'}`);
    await writeFile(path, image);
    // Right to left: slot p1 is the rightmost person.
    const x = 240 - (i + 1) * Math.floor(240 / slotCount) + 10;
    slots.push({ id, box: [x, 30, 40, 40], avatar: `avatars/${id}.png` });
    avatars.push({ slotId: id, path, image });
  }
  const input: ToolInput = {
    caseId: 'tc_fixture',
    templatePath,
    template,
    avatars,
    slots,
    prompt: null,
    options,
    signal: new AbortController().signal,
  };
  return { input, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
