import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionContentPart } from 'openai/resources/chat/completions';
import type { ToolFailure, ToolInput } from '../tool';
import { toolFailureFromError, type ProviderCallContext } from './shared/openai-errors.mapper';
import { describeSlotPositions } from './swap-prompt.builder';
import { sniffImageType } from '../../core/image-type';

/** A scene description ready for a text-to-image model, with what it cost to get. */
export interface SceneDescription {
  ok: true;
  text: string;
  usage: { prompt_tokens: number; completion_tokens: number } | undefined;
}

/** Text-to-image prompts are capped (DALL·E 3 takes 4,000 characters); the model is asked to stay well under. */
const MAX_DESCRIPTION_CHARS = 3800;

/**
 * The instruction for the vision model. It must describe people by what is visible only: naming or
 * guessing who someone is would leak identity through a channel the lower bound is not meant to have,
 * and providers refuse to identify real people anyway.
 */
export function sceneInstructions(input: ToolInput): string {
  const positions = describeSlotPositions(input.slots);
  const assignments = positions.map(
    (where, i) => `- ${where} in image 1 is to be shown as the person in image ${i + 2}.`,
  );
  return [
    'You write prompts for a text-to-image model.',
    `Image 1 is a photo of ${input.slots.length === 1 ? 'one person' : `${input.slots.length} people`}; the later images are portraits.`,
    "Describe image 1 as one paragraph a text-to-image model can recreate: setting, framing, lighting, colours, and each person's pose, clothing and expression.",
    "But describe each person's face, hair and build from their assigned portrait instead of the original person:",
    ...assignments,
    'Use visible traits only: apparent age range, face shape, skin tone, hair colour, length and style, facial hair, glasses, other distinctive features.',
    'Never name anyone or guess who they are. Write only the prompt, no preamble, at most 900 characters.',
    ...(input.prompt ? [`The test case adds this instruction: ${input.prompt}`] : []),
  ].join('\n');
}

/**
 * Asks a vision chat model for the scene description, sending the template and avatars as data URLs.
 * A refusal or an empty answer is a final `safety` / `bad_output` failure.
 */
export async function describeScene(
  client: OpenAI,
  input: ToolInput,
  visionModel: string,
  ctx: ProviderCallContext,
): Promise<SceneDescription | { ok: false; failure: ToolFailure }> {
  const images: ChatCompletionContentPart[] = [input.template, ...input.avatars.map((a) => a.image)].map(
    (bytes) => ({
      type: 'image_url',
      image_url: { url: dataUrl(bytes), detail: 'high' },
    }),
  );
  let completion: ChatCompletion;
  try {
    completion = await client.chat.completions.create(
      {
        model: visionModel,
        messages: [{ role: 'user', content: [{ type: 'text', text: sceneInstructions(input) }, ...images] }],
        max_completion_tokens: 700,
      },
      { signal: input.signal },
    );
  } catch (error) {
    return {
      ok: false,
      failure: toolFailureFromError(error, {
        ...ctx,
        model: visionModel,
        modelNotFoundHint: "Set the tool's `vision_model` option to a vision chat model it serves.",
      }),
    };
  }
  // The SDK hands back a string, not an object, when a 200 carries a non-JSON body.
  const message =
    typeof completion === 'object' && completion !== null ? completion.choices?.[0]?.message : undefined;
  if (message?.refusal) {
    return {
      ok: false,
      failure: {
        retryable: false,
        code: 'safety',
        message: `The vision model ${visionModel} declined to describe the photo: ${message.refusal}`,
      },
    };
  }
  const text = typeof message?.content === 'string' ? message.content.trim() : '';
  if (!text) {
    return {
      ok: false,
      failure: {
        retryable: false,
        code: 'bad_output',
        message: `The vision model ${visionModel} returned no scene description.`,
      },
    };
  }
  return { ok: true, text: text.slice(0, MAX_DESCRIPTION_CHARS), usage: completion.usage };
}

function dataUrl(bytes: Buffer): string {
  return `data:${sniffImageType(bytes) ?? 'image/png'};base64,${bytes.toString('base64')}`;
}
