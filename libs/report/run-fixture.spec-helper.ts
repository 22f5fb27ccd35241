import type { CaseSummary } from '../cases/test-case';
import type { RunDetail, RunItemView } from '../runs/run-views';
import type { ToolSummary } from '../tools/tools.registry';

/** Hand-built run data for component tests that do not need a database. */
export function fixtureItem(
  over: Partial<RunItemView> & Pick<RunItemView, 'id' | 'case_id' | 'tool_id'>,
): RunItemView {
  return {
    run_id: 'run_fixture',
    variant: over.tool_id,
    sample: 0,
    status: 'scored',
    image_url: `/runs/2026-01-01/${over.tool_id}/${over.case_id}.png`,
    image_path: `2026-01-01/${over.tool_id}/${over.case_id}.png`,
    score: 50,
    breakdown: { identity: 0.5, placement: 1, background: 0.75 },
    scorer_version: '2.0.0',
    error: null,
    cached: false,
    stars: null,
    stars_n: 0,
    my_stars: null,
    ratings: 0,
    attempts: 1,
    latency_ms: 1200,
    cost_usd: null,
    model: null,
    started_at: '2026-01-01T10:00:00.000Z',
    finished_at: '2026-01-01T10:00:01.200Z',
    ...over,
  };
}

export function fixtureCase(id: string, slots = 2): CaseSummary {
  return {
    id,
    title: `Case ${id}`,
    slots: Array.from({ length: slots }, (_, i) => ({
      id: `p${i}`,
      box: [10 + i * 100, 20, 80, 80] as [number, number, number, number],
      avatar: `avatars/a${i}.png`,
    })),
    tags: ['demo'],
    valid: true,
    error: null,
    template_url: `/datasets/${id}/template.png`,
    avatar_urls: Array.from({ length: slots }, (_, i) => `/datasets/${id}/avatars/a${i}.png`),
    width: 400,
    height: 300,
    source: null,
    license: null,
    prompt: null,
  };
}

export function fixtureTool(
  id: string,
  kind: ToolSummary['kind'] = 'control',
  available = true,
): ToolSummary {
  return {
    id,
    name: id.replace(/_/g, ' '),
    description: `The ${id} tool`,
    kind,
    control: kind === 'control',
    available,
    reason: available ? null : 'OPENAI_API_KEY is not set',
    concurrency: 2,
    timeout_ms: 60000,
    options: {
      model: { type: 'string', default: 'm1', description: 'model' },
      api_key: { type: 'string', default: 'sk-secret', description: 'key' },
    },
  };
}

export function fixtureRun(items: RunItemView[], over: Partial<RunDetail> = {}): RunDetail {
  const caseIds = [...new Set(items.map((i) => i.case_id))];
  const toolIds = [...new Set(items.map((i) => i.tool_id))];
  const count = (s: string) => items.filter((i) => i.status === s).length;
  return {
    id: 'run_fixture',
    status: 'finished',
    created_at: '2026-01-01T10:00:00.000Z',
    finished_at: '2026-01-01T10:05:00.000Z',
    case_ids: caseIds,
    tool_ids: toolIds,
    variants: [...new Set(items.map((i) => `${i.variant}\u0000${i.tool_id}`))].map((key) => {
      const [label, tool_id] = key.split('\u0000');
      return { label, tool_id };
    }),
    samples: Math.max(1, ...items.map((i) => i.sample + 1)),
    suite_path: null,
    suite_hash: null,
    options: {
      concurrency: 4,
      toolOptions: Object.fromEntries(toolIds.map((t) => [t, { model: 'm2', api_key: 'sk-live-123' }])),
      maxAttempts: 3,
      timeoutMs: null,
      cache: true,
      retryBaseMs: 1000,
    },
    progress: {
      total: items.length,
      done: count('scored') + count('failed') + count('canceled'),
      scored: count('scored'),
      failed: count('failed'),
      canceled: count('canceled'),
    },
    items,
    ...over,
  };
}
