/** One example per command, shown at the end of its `--help` (keyed by the command's full name). */
const EXAMPLES: Record<string, string[]> = {
  '': [
    'swapbench generate-cases && swapbench run --cases all --tools control_template,control_paste',
    'swapbench run --suite suites/example.yaml',
    'swapbench compare <run_a> <run_b>',
    'swapbench serve',
  ],
  'generate-cases': ['swapbench generate-cases', 'swapbench generate-cases --from ./my-photos'],
  cases: ['swapbench cases --json'],
  'cases validate': ['swapbench cases validate'],
  tools: ['swapbench tools'],
  run: [
    'swapbench run --cases all --tools control_template,control_paste',
    'swapbench run --suite suites/example.yaml --json',
    'swapbench run --suite suites/example.yaml --dry-run',
    'swapbench run --cases tag:one-person --tools baseline_gpt --tool-option baseline_gpt.quality=low --samples 3',
    'swapbench run --resume <run_id> --retry-failed',
    'swapbench run --server https://bench.example.org --token <token> --cases all --tools control_paste',
  ],
  runs: ['swapbench runs', 'swapbench runs --json'],
  'runs delete': ['swapbench runs delete <run_id>'],
  export: ['swapbench export <run_id> --format csv --out results.csv'],
  compare: ['swapbench compare <run_a> <run_b>', 'swapbench compare <run_a> <run_b> --json'],
  'cache clear': ['swapbench cache clear'],
  cache: ['swapbench cache clear'],
  report: ['swapbench report <run_id> --out report.html', 'swapbench report <run_b> --baseline <run_a>'],
  rescore: ['swapbench rescore <run_id>', 'swapbench rescore --all --json'],
  serve: ['swapbench serve --port 8000'],
  db: ['swapbench db migrate'],
  worker: ['swapbench worker --queues generate,score --concurrency 4'],
  users: ['swapbench users add alice --role rater', 'swapbench users list'],
  'users add': ['swapbench users add alice --role rater', 'swapbench users add bob --role admin --json'],
  'users list': ['swapbench users list --json'],
  'db migrate': ['SWAPBENCH_DATABASE_URL=postgres://swapbench@db.example/swapbench swapbench db migrate'],
};

/** The environment variables swapbench reads, for every `--help`. */
const ENVIRONMENT = [
  ['SWAPBENCH_DATASETS', 'folder of test cases (default ./datasets)'],
  ['SWAPBENCH_RUNS', 'folder of run outputs and swapbench.db (default ./runs)'],
  ['SWAPBENCH_CONFIG', 'config file with more tools (default ./swapbench.config.json)'],
  ['SWAPBENCH_DEBUG', 'log what the modules do, on stderr'],
  ['SWAPBENCH_DATABASE_URL', 'a Postgres database in place of runs/swapbench.db (docs/team.md)'],
  ['SWAPBENCH_REDIS_URL', "team mode's Redis, with SWAPBENCH_DATABASE_URL (docs/team.md)"],
  ['SWAPBENCH_PUBLIC_URL', "a team server's address, for invite links (docs/team.md)"],
  ['OPENAI_API_KEY, OPENAI_BASE_URL', 'for the OpenAI tools (also read from .env)'],
  ['NO_COLOR', 'no colour in any output (none in pipes either way)'],
];

/** What follows a command's own help: its examples, then the environment variables. */
export function helpFooter(fullName: string): string {
  const examples = EXAMPLES[fullName];
  const width = Math.max(...ENVIRONMENT.map(([name]) => name.length));
  const lines: string[] = [''];
  if (examples)
    lines.push(examples.length > 1 ? 'Examples:' : 'Example:', ...examples.map((e) => `  ${e}`), '');
  lines.push('Environment:', ...ENVIRONMENT.map(([name, what]) => `  ${name.padEnd(width)}  ${what}`));
  return lines.join('\n');
}
