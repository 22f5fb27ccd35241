/**
 * Published OpenAI prices, in US dollars — the one place to update when they change
 * (https://openai.com/api/pricing). A model missing here simply gets no `costUsd`: a guess would be
 * worse than no number. Checked against the pricing page as of 2025–2026.
 */

/** Dollars per million tokens. Image models bill text input, image input and image output separately. */
export interface TokenPrice {
  textInput: number;
  imageInput: number;
  output: number;
}

/** Token prices of the GPT image models. When the response carries `usage`, cost is computed from these. */
export const IMAGE_TOKEN_PRICES: Readonly<Record<string, TokenPrice>> = {
  'gpt-image-1': { textInput: 5, imageInput: 10, output: 40 },
  'gpt-image-1-mini': { textInput: 2, imageInput: 2.5, output: 8 },
};

/** Per-image prices by model, quality and size, for answers without `usage` (DALL·E, some proxies). */
export const IMAGE_PRICES: Readonly<
  Record<string, Readonly<Record<string, Readonly<Record<string, number>>>>>
> = {
  'gpt-image-1': {
    low: { '1024x1024': 0.011, '1024x1536': 0.016, '1536x1024': 0.016 },
    medium: { '1024x1024': 0.042, '1024x1536': 0.063, '1536x1024': 0.063 },
    high: { '1024x1024': 0.167, '1024x1536': 0.25, '1536x1024': 0.25 },
  },
  'gpt-image-1-mini': {
    low: { '1024x1024': 0.005, '1024x1536': 0.006, '1536x1024': 0.006 },
    medium: { '1024x1024': 0.011, '1024x1536': 0.015, '1536x1024': 0.015 },
    high: { '1024x1024': 0.036, '1024x1536': 0.052, '1536x1024': 0.052 },
  },
  'dall-e-3': {
    standard: { '1024x1024': 0.04, '1024x1792': 0.08, '1792x1024': 0.08 },
    hd: { '1024x1024': 0.08, '1024x1792': 0.12, '1792x1024': 0.12 },
  },
  'dall-e-2': {
    standard: { '256x256': 0.016, '512x512': 0.018, '1024x1024': 0.02 },
  },
};

/**
 * The price of one image before it is made, for estimates and budgets: `auto` quality is priced as `high`
 * and `auto` size as the largest listed, so an estimate errs on the side of spending less than planned.
 * Undefined for a model or choice the tables do not list.
 */
export function imagePriceEstimate(model: string, quality: string, size: string): number | undefined {
  const tiers = IMAGE_PRICES[model];
  if (!tiers) return undefined;
  const tier = quality === 'auto' ? (tiers.high ? 'high' : 'hd') : quality;
  const sizes = tiers[tier] ?? tiers.standard;
  if (!sizes) return undefined;
  return size === 'auto' ? Math.max(...Object.values(sizes)) : sizes[size];
}

/** Dollars per million tokens of the chat models that can describe images. */
export const CHAT_TOKEN_PRICES: Readonly<Record<string, { input: number; output: number }>> = {
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
};

/** Token usage as the Images API reports it for GPT image models. */
export interface ImageUsage {
  input_tokens: number;
  output_tokens: number;
  input_tokens_details?: { image_tokens: number; text_tokens: number };
}

/** Cost of one image call: from token usage when present and priced, else from the per-image table. */
export function imageCostUsd(
  model: string,
  usage: ImageUsage | undefined,
  quality: string,
  size: string,
): number | undefined {
  const tokenPrice = IMAGE_TOKEN_PRICES[model];
  if (usage && tokenPrice) {
    const details = usage.input_tokens_details;
    const textIn = details ? details.text_tokens : usage.input_tokens;
    const imageIn = details ? details.image_tokens : 0;
    return roundUsd(
      (textIn * tokenPrice.textInput +
        imageIn * tokenPrice.imageInput +
        usage.output_tokens * tokenPrice.output) /
        1e6,
    );
  }
  // DALL·E 3 bills `auto` as standard; gpt-image `auto` has no fixed price, so it stays unknown.
  const tier = quality === 'auto' && model.startsWith('dall-e') ? 'standard' : quality;
  const price = IMAGE_PRICES[model]?.[tier]?.[size];
  return price === undefined ? undefined : price;
}

/** Cost of one chat completion, or undefined for an unpriced model. */
export function chatCostUsd(
  model: string,
  usage: { prompt_tokens: number; completion_tokens: number } | undefined,
): number | undefined {
  const price = CHAT_TOKEN_PRICES[model];
  if (!price || !usage) return undefined;
  return roundUsd((usage.prompt_tokens * price.input + usage.completion_tokens * price.output) / 1e6);
}

/** Micro-dollar precision keeps sums stable without pretending to more accuracy than the prices have. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
