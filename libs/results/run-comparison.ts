import type { RunDetail, RunItemView } from '../runs/run-views';
import { pairedDifference, seedOfText } from './paired-stats';
import { variantOutcome } from './variant-scores';

/** One variant's paired comparison over the cases both runs scored (docs/suites.md). */
export interface VariantComparison {
  variant: string;
  n_cases: number;
  mean_a: number | null;
  mean_b: number | null;
  /** Mean of b − a over the shared cases. */
  delta: number | null;
  ci_low: number | null;
  ci_high: number | null;
  p_value: number | null;
  /** Over every item of the variant in each run (not only the shared cases): scored over ended, 0–1. */
  success_a: number | null;
  success_b: number | null;
  /** Refused over ended items of the variant in each run, 0–1. */
  refusal_a: number | null;
  refusal_b: number | null;
}

/** One case of one variant: the mean score over its samples in each run. */
export interface CaseComparison {
  case_id: string;
  variant: string;
  score_a: number;
  score_b: number;
  delta: number;
}

/** What `compare --json` and `GET /api/compare` answer. */
export interface RunComparison {
  a: string;
  b: string;
  variants: VariantComparison[];
  cases: CaseComparison[];
}

/**
 * Compares run b with run a: per variant present in both (matched by label), the per-case mean scores
 * (over samples) of the cases both runs scored, their differences b − a, a seeded paired bootstrap 95%
 * interval of the mean difference and a paired permutation p-value. Variants in one run only are listed
 * with `n_cases: 0`.
 */
export function compareRuns(a: RunDetail, b: RunDetail): RunComparison {
  const labels = [
    ...a.variants.map((v) => v.label),
    ...b.variants.map((v) => v.label).filter((l) => !a.variants.some((v) => v.label === l)),
  ];
  const variants: VariantComparison[] = [];
  const cases: CaseComparison[] = [];
  for (const label of labels) {
    const scoresA = caseMeans(a.items, label);
    const scoresB = caseMeans(b.items, label);
    const shared = [...scoresA.keys()].filter((id) => scoresB.has(id));
    const rows = shared.map((case_id) => {
      const score_a = scoresA.get(case_id)!;
      const score_b = scoresB.get(case_id)!;
      return {
        case_id,
        variant: label,
        score_a: round(score_a),
        score_b: round(score_b),
        delta: round(score_b - score_a),
      };
    });
    cases.push(...rows);
    const stats = pairedDifference(
      shared.map((id) => scoresB.get(id)! - scoresA.get(id)!),
      seedOfText(`${a.id}|${b.id}|${label}`),
    );
    const outcomeA = variantOutcome(a.items.filter((i) => i.variant === label));
    const outcomeB = variantOutcome(b.items.filter((i) => i.variant === label));
    variants.push({
      variant: label,
      n_cases: shared.length,
      mean_a: shared.length ? round(average(shared.map((id) => scoresA.get(id)!))) : null,
      mean_b: shared.length ? round(average(shared.map((id) => scoresB.get(id)!))) : null,
      delta: shared.length ? round(stats.mean) : null,
      ci_low: roundOrNull(stats.ciLow),
      ci_high: roundOrNull(stats.ciHigh),
      p_value: stats.pValue === null ? null : Math.round(stats.pValue * 10000) / 10000,
      success_a: roundOrNull(outcomeA.success_rate),
      success_b: roundOrNull(outcomeB.success_rate),
      refusal_a: roundOrNull(outcomeA.refusal_rate),
      refusal_b: roundOrNull(outcomeB.refusal_rate),
    });
  }
  return { a: a.id, b: b.id, variants, cases };
}

/** Per case, the mean score of a variant's scored samples. */
function caseMeans(items: RunItemView[], label: string): Map<string, number> {
  const byCase = new Map<string, number[]>();
  for (const item of items) {
    if (item.variant !== label || item.status !== 'scored' || item.score === null) continue;
    byCase.set(item.case_id, [...(byCase.get(item.case_id) ?? []), item.score]);
  }
  return new Map([...byCase].map(([id, scores]) => [id, average(scores)]));
}

function average(values: number[]): number {
  return values.reduce((x, y) => x + y, 0) / values.length;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function roundOrNull(n: number | null): number | null {
  return n === null ? null : round(n);
}
