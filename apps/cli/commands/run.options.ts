import { MAX_SAMPLES, RUN_DEFAULTS } from '../../../libs/runs/run-request';
import type { CommandSpec } from '../command-spec';

export const RUN = {
  command: {
    name: 'run',
    description:
      'Run test cases × tools to the end: generate, score, store. Prints a results table, or JSON with --json.\n' +
      'Every case is checked with the scorer before any tool is called: a case it cannot score (no face at a ' +
      'slot) refuses the run, unless --skip-unscorable leaves it out.\n' +
      'With --server <url> --token <t> the run is started on that swapbench server and followed from here.\n' +
      'Exit codes: 0 finished; 1 a --fail-under gate failed; 2 bad input; 3 no item scored; 130 interrupted (resume with --resume).',
  },
  options: {
    suite: {
      flags: '--suite <file>',
      description: 'run the suite file (YAML or JSON: cases, tools and variants, samples, ...; see suites/)',
    },
    toolOption: {
      flags: '--tool-option <tool.name=value>',
      description: 'set a tool option, e.g. baseline_gpt.quality=low (repeatable)',
    },
    samples: {
      flags: '--samples <n>',
      description: `outputs per case × tool (default ${RUN_DEFAULTS.samples}, at most ${MAX_SAMPLES})`,
    },
    retryFailed: {
      flags: '--retry-failed',
      description: 'with --resume: run again the items that ended failed',
    },
    cases: {
      flags: '--cases <ids>',
      description: 'test cases to run: `all`, ids or tag:<tag>, comma-separated',
    },
    tools: {
      flags: '--tools <ids>',
      description: 'tools to run: `all` (every available tool) or comma-separated ids',
    },
    concurrency: {
      flags: '--concurrency <n>',
      description: `items generating at once across all tools (default ${RUN_DEFAULTS.concurrency})`,
    },
    attempts: {
      flags: '--attempts <n>',
      description: `attempts per item for retryable failures (default ${RUN_DEFAULTS.max_attempts})`,
    },
    timeout: { flags: '--timeout <seconds>', description: "per-item time limit (default: each tool's own)" },
    noCache: { flags: '--no-cache', description: 'generate again even when identical inputs have an output' },
    skipUnscorable: {
      flags: '--skip-unscorable',
      description:
        'run the cases the scorer can score and list the others as skipped (without it, such a case refuses the run before any tool is called)',
    },
    resume: { flags: '--resume <run_id>', description: 'finish an interrupted run' },
    failUnder: {
      flags: '--fail-under <score>',
      description: 'exit 1 if any variant’s mean machine score is below this (0–100)',
    },
    dryRun: {
      flags: '--dry-run',
      description:
        'print the items, calls and estimated cost per variant, and stop: no tool is called, nothing is stored',
    },
    server: {
      flags: '--server <url>',
      description:
        'start the run on this swapbench server (a team server, docs/team.md) and follow it from here',
    },
    token: {
      flags: '--token <token>',
      description: 'with --server: the bearer token of your account (POST /api/login with "token": true)',
    },
    json: { flags: '--json', description: 'print the result as JSON instead of a table' },
  },
} as const satisfies CommandSpec;
