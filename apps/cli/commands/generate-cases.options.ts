import type { CommandSpec } from '../command-spec';

export const GENERATE_CASES = {
  command: {
    name: 'generate-cases',
    description:
      'Build test cases: the demo cases from the public-domain photos in datasets/sources (default), ' +
      'cases from a folder of your photos (--from), or synthetic cases of fictional people (--generator openai)',
  },
  options: {
    from: { flags: '--from <folder>', description: 'build cases from the photos in this folder' },
    seed: {
      flags: '--seed <n>',
      description:
        'with --from: seed of the avatar choice (equal seeds, equal cases); with --generator: seed of the people and scenes drawn (default 1)',
    },
    generator: {
      flags: '--generator <name>',
      description:
        'synthesize fictional people and scenes with an image API: `openai` (needs OPENAI_API_KEY)',
    },
    count: { flags: '--count <n>', description: 'with --generator: how many cases to make' },
    model: {
      flags: '--model <model>',
      description: 'with --generator openai: image model (default gpt-image-1)',
    },
    attempts: {
      flags: '--attempts <n>',
      description: 'with --generator: generations per image before a case is skipped (default 2)',
    },
  },
} as const satisfies CommandSpec;
