import sharp from 'sharp';
import { sniffImageType, type CommonImageType } from '../../core/image-type';
import type { ToolAvailability, ToolInput, ToolOptionSpec, ToolResult } from '../tool';
import { keyMissingAvailability } from '../missing-key';
import { buildSwapPrompt } from '../openai/swap-prompt.builder';

/** An input image as services take it inline: its MIME type and bytes. */
export interface InlineImage {
  mimeType: CommonImageType;
  data: Buffer;
}

/**
 * The images of one request in the order the swap prompt names them: image 1 is the template, images
 * 2… are the avatars in slot order. Formats other than PNG, JPEG and WebP are converted to PNG.
 */
export async function swapImages(input: ToolInput): Promise<InlineImage[]> {
  return Promise.all([input.template, ...input.avatars.map((a) => a.image)].map(inlineImage));
}

/** The prompt that says which avatar replaces which person, as `baseline_gpt` sends it. */
export function swapPrompt(input: ToolInput): string {
  return buildSwapPrompt(input.slots, input.prompt);
}

export async function inlineImage(bytes: Buffer): Promise<InlineImage> {
  const type = sniffImageType(bytes);
  if (type) return { mimeType: type, data: bytes };
  return { mimeType: 'image/png', data: await sharp(bytes).png().toBuffer() };
}

/** `data:image/png;base64,…`, the form most hosted APIs accept in place of a URL. */
export function dataUri(image: InlineImage): string {
  return `data:${image.mimeType};base64,${image.data.toString('base64')}`;
}

/**
 * A case with more people than the model takes input images (the template counts as one) is refused
 * per item with the reason, instead of silently dropping someone. Null when the case fits.
 */
export function refuseTooManyPeople(
  input: ToolInput,
  model: string,
  maxImages: number | undefined,
): ToolResult | null {
  if (maxImages === undefined || input.avatars.length + 1 <= maxImages) return null;
  const people = input.avatars.length;
  return {
    ok: false,
    failure: {
      retryable: false,
      code: 'too_many_people',
      message: `${model} takes at most ${maxImages} input images (the template and ${maxImages - 1} avatar${maxImages === 2 ? '' : 's'}); this case has ${people} people, so ${people + 1} images.`,
    },
  };
}

/** The first non-empty variable of `names`, trimmed, with the name it came from. */
export function keyFromEnv(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): { key: string; env: string } | null {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { key: value, env: name };
  }
  return null;
}

/** Availability of a tool whose key lives in one of `names`. */
export function keyAvailability(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ToolAvailability {
  return keyFromEnv(names, env) ? { available: true } : keyMissingAvailability(names);
}

/** Base URL from `envName`, else `fallback`, without a trailing slash. */
export function baseUrlFromEnv(
  envName: string,
  fallback: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return (env[envName]?.trim() || fallback).replace(/\/+$/, '');
}

/** The seed option of services that take one; -1 is left out of the request. */
export const SEED_OPTION: ToolOptionSpec = {
  type: 'number',
  default: -1,
  description: 'Seed for a repeatable result; -1 leaves it random.',
  integer: true,
  min: -1,
};

/** The poll interval option of the asynchronous tools; tests set it short. */
export const POLL_INTERVAL_OPTION: ToolOptionSpec = {
  type: 'number',
  default: 1_000,
  description: 'First wait between status checks of a submitted job, in ms (it grows ×1.5 up to 10×).',
  min: 10,
  max: 30_000,
  integer: true,
};

/** The download time limit option of tools whose results come back as URLs. */
export const DOWNLOAD_TIMEOUT_OPTION: ToolOptionSpec = {
  type: 'number',
  default: 60_000,
  description: 'Time limit for downloading the result image from its URL, in ms.',
  min: 100,
  max: 600_000,
  integer: true,
};
