import { FalBuiltinTool } from '../fal/fal.tool';
import { FluxKontextTool } from '../bfl/flux-kontext.tool';
import { GeminiImageTool } from '../gemini/gemini-image.tool';
import { ReplicateBuiltinTool } from '../replicate/replicate.tool';
import { SeedreamTool } from '../seedream/seedream.tool';

/** The built-in tools of hosted services beyond OpenAI (docs/tools.md), registered like every other tool. */
export const HOSTED_TOOLS = [
  GeminiImageTool,
  FluxKontextTool,
  SeedreamTool,
  ReplicateBuiltinTool,
  FalBuiltinTool,
];
