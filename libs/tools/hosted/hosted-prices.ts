/**
 * Published per-image prices of the hosted image-editing models, in US dollars, for ~1 megapixel output
 * — the one place to update when they change. Used only when the service does not report the cost of a
 * call itself (Black Forest Labs does, in credits). A model missing here gets no `costUsd`: a guess would
 * be worse than no number. Read from each service's pricing page, 2025–2026.
 */
export const HOSTED_IMAGE_PRICES: Readonly<Record<string, number>> = {
  // Google Gemini API: 1,290 output tokens per image at $30 per million.
  'gemini-2.5-flash-image': 0.039,
  'gemini-2.5-flash-image-preview': 0.039,
  'gemini-3-pro-image-preview': 0.134,
  // Black Forest Labs, used when an answer carries no `cost` (1 credit = $0.01).
  'flux-kontext-pro': 0.04,
  'flux-kontext-max': 0.08,
  'flux-2-pro': 0.045,
  // BytePlus ModelArk.
  'seedream-4-0-250828': 0.03,
  // Replicate, by model.
  'google/nano-banana': 0.039,
  'bytedance/seedream-4': 0.03,
  'flux-kontext-apps/multi-image-kontext-pro': 0.04,
  // fal, by endpoint.
  'fal-ai/nano-banana/edit': 0.039,
  'fal-ai/bytedance/seedream/v4/edit': 0.03,
  'fal-ai/flux-pro/kontext/max/multi': 0.08,
};

/** The table's price of one image of `model`, or undefined when it is not listed. */
export function hostedImagePrice(model: string): number | undefined {
  return HOSTED_IMAGE_PRICES[model.split(':')[0]];
}
