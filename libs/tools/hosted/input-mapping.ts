import { z } from 'zod';

const inputName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an input name of the model (letters, digits, _)');

/**
 * How a gateway model's inputs take the swap request: which input gets the prompt, and either one list
 * input that takes every image (template first, then the avatars in slot order) or a list of single-image
 * inputs in that same order. `extra` inputs are sent as given with every request.
 */
export const InputMappingSchema = z
  .strictObject({
    prompt: inputName.default('prompt'),
    /** A list input that takes every image, e.g. `image_input`, `image_urls`. */
    images: inputName.optional(),
    /** Single-image inputs, template first, e.g. `["input_image_1", "input_image_2"]`. */
    image_fields: z.array(inputName).min(2, 'needs the template and at least one avatar').optional(),
    /** Most images the model takes through `images`; a case needing more is refused per item. */
    max_images: z.int().min(2).max(64).optional(),
    extra: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  })
  .refine((m) => (m.images === undefined) !== (m.image_fields === undefined), {
    error: 'give exactly one of `images` (one list input) or `image_fields` (one input per image)',
  });

export type InputMapping = z.infer<typeof InputMappingSchema>;

/** The most input images a mapping can carry, or undefined when only the model knows. */
export function mappingMaxImages(mapping: InputMapping): number | undefined {
  return mapping.image_fields ? mapping.image_fields.length : mapping.max_images;
}

/** The model input for one request: the prompt, the images where the mapping puts them, and the extras. */
export function mappedInput<T>(
  mapping: InputMapping,
  prompt: string,
  images: readonly T[],
): Record<string, unknown> {
  const input: Record<string, unknown> = { ...mapping.extra, [mapping.prompt]: prompt };
  if (mapping.images) input[mapping.images] = [...images];
  else mapping.image_fields?.forEach((field, i) => i < images.length && (input[field] = images[i]));
  return input;
}

const preset = (mapping: z.input<typeof InputMappingSchema>): InputMapping =>
  InputMappingSchema.parse(mapping);

/**
 * Input mappings of well-known multi-image editing models on Replicate, read from each model's API
 * schema. A model not listed here needs its mapping in the config file.
 */
export const REPLICATE_PRESETS: Readonly<Record<string, InputMapping>> = {
  'google/nano-banana': preset({ images: 'image_input', max_images: 3, extra: { output_format: 'png' } }),
  'bytedance/seedream-4': preset({
    images: 'image_input',
    max_images: 10,
    extra: { size: '2K', sequential_image_generation: 'disabled', max_images: 1 },
  }),
  'flux-kontext-apps/multi-image-kontext-pro': preset({
    image_fields: ['input_image_1', 'input_image_2'],
    extra: { output_format: 'png' },
  }),
};

/** The same for fal endpoints. */
export const FAL_PRESETS: Readonly<Record<string, InputMapping>> = {
  'fal-ai/nano-banana/edit': preset({
    images: 'image_urls',
    max_images: 3,
    extra: { output_format: 'png', num_images: 1 },
  }),
  'fal-ai/bytedance/seedream/v4/edit': preset({
    images: 'image_urls',
    max_images: 10,
    extra: { num_images: 1 },
  }),
  'fal-ai/flux-pro/kontext/max/multi': preset({
    images: 'image_urls',
    max_images: 4,
    extra: { output_format: 'png' },
  }),
};
