import { seededRandom } from '../core/seeded-random';
import { blindImageUrl } from '../judgement/arena.service';
import type { CellModel, RunPanelModel, RunSummaryModel, ToolCardModel } from './view-model';

/**
 * Blind rating (docs/judgement.md): the panel a rater sees before revealing. Tool names and machine scores
 * are not hidden by CSS but never rendered: the columns become "Output 1…n", each case's outputs are put in
 * an order shuffled per rater, run and case (stable, so a reload shows the same order), and each cell
 * loses its tool, score, breakdown, error, latency and cost, and shows its image through a URL that does
 * not name the tool.
 */
export function blindPanel(panel: RunPanelModel, rater: string): RunPanelModel {
  const toolIds = panel.grid.tools.map((t) => t.id);
  const positions = new Map<string, number>();
  for (const c of panel.grid.cases) {
    blindOrder(panel.header.id, rater, c.id, toolIds).forEach((toolId, k) =>
      positions.set(`${c.id}\u0000${toolId}`, k),
    );
  }
  return {
    ...blindSummary(panel),
    grid: {
      runId: panel.grid.runId,
      blind: true,
      cases: panel.grid.cases,
      tools: toolIds.map((_, k) => outputColumn(k)),
      cells: panel.grid.cells.map((cell) =>
        blindCell(cell, positions.get(`${cell.caseId}\u0000${cell.toolId}`) ?? 0),
      ),
    },
  };
}

/** The summary in blind mode: only what names no tool and shows no score. */
export function blindSummary(summary: RunSummaryModel): RunSummaryModel {
  return {
    header: { ...summary.header, tools: [], totalCostUsd: null, scorerVersions: [] },
    leaderboard: [],
    agreement: { pairs: 0, spearman: null, minimumPairs: summary.agreement.minimumPairs },
    judgement: null,
    blind: true,
  };
}

/** One cell as the blind grid shows it, in column `position` (0-based) of its case. */
export function blindCell(cell: CellModel, position: number): CellModel {
  const image = cell.thumb === null ? null : blindImageUrl(cell.itemId);
  return {
    ...cell,
    toolId: outputColumn(position).id,
    score: null,
    breakdown: null,
    error: null,
    latencyMs: null,
    costUsd: null,
    cached: false,
    thumb: image,
    full: image,
    // The strip of samples too: no score, and images through URLs that do not name the tool.
    samples: cell.samples.map((sample) => {
      const url = sample.thumb === null ? null : blindImageUrl(sample.itemId);
      return { ...sample, score: null, thumb: url, full: url };
    }),
  };
}

/** The blind column of an output: `out1`, `out2`, … named "Output 1", … */
export function outputColumn(position: number): ToolCardModel {
  return {
    id: `out${position + 1}`,
    name: `Output ${position + 1}`,
    description: '',
    kind: 'local',
    control: false,
    available: true,
    reason: null,
    options: {},
  };
}

/** The tools of one case in the order a rater sees them blind: a Fisher–Yates shuffle seeded by rater, run and case. */
export function blindOrder(runId: string, rater: string, caseId: string, toolIds: string[]): string[] {
  const random = seededRandom(fnv1a(`${runId}\u0000${rater}\u0000${caseId}`));
  const order = [...toolIds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h >>> 0;
}
