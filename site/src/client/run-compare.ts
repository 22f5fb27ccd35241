/**
 * "Compare with…" on an open run: pick an earlier run as the baseline and see, per variant, the mean
 * difference (this run − baseline) over the cases both scored, its 95% interval and p-value (GET
 * /api/compare), then the per-case differences.
 */
import type { RunComparison } from '../../../libs/results/run-comparison';
import type { RunView } from '../../../libs/runs/run-views';
import { getJson } from './api';

function cellText(row: HTMLTableRowElement, values: Array<string | number>, header = false): void {
  for (const value of values) {
    const cell = document.createElement(header ? 'th' : 'td');
    cell.textContent = String(value);
    row.append(cell);
  }
}

function fmt(n: number | null, sign = false): string {
  return n === null ? '—' : `${sign && n >= 0 ? '+' : ''}${n.toFixed(1)}`;
}

function table(head: string[], rows: Array<Array<string | number>>): HTMLTableElement {
  const t = document.createElement('table');
  t.className = 'compare-table';
  cellText(t.createTHead().insertRow(), head, true);
  const body = t.createTBody();
  for (const row of rows) cellText(body.insertRow(), row);
  return t;
}

/** Fills the baseline list for the open run and shows the comparison when one is chosen. */
export async function prepareCompare(runId: string): Promise<void> {
  const select = document.querySelector<HTMLSelectElement>('[data-role=compare-baseline]');
  const result = document.querySelector<HTMLElement>('[data-role=compare-result]');
  if (!select || !result) return;
  result.replaceChildren();
  const runs = await getJson<RunView[]>('/api/runs');
  const placeholder = new Option('choose a run', '');
  select.replaceChildren(
    placeholder,
    ...runs
      .filter((r) => r.id !== runId)
      .map((r) => new Option(`${r.id} (${r.variants.map((v) => v.label).join(', ')})`, r.id)),
  );
  select.onchange = () => {
    if (!select.value) return result.replaceChildren();
    void showComparison(select.value, runId, result).catch((error: Error) => {
      result.textContent = error.message;
    });
  };
}

async function showComparison(a: string, b: string, into: HTMLElement): Promise<void> {
  const c = await getJson<RunComparison>(
    `/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`,
  );
  const note = document.createElement('p');
  note.className = 'muted';
  note.textContent = `This run − ${a}, over the cases both scored (means over samples); paired bootstrap 95% interval, permutation p.`;
  const variants = table(
    ['variant', 'cases', 'baseline', 'this run', 'delta', '95% interval', 'p'],
    c.variants.map((v) => [
      v.variant,
      v.n_cases,
      fmt(v.mean_a),
      fmt(v.mean_b),
      fmt(v.delta, true),
      v.ci_low === null ? '—' : `[${fmt(v.ci_low)}, ${fmt(v.ci_high)}]`,
      v.p_value === null ? '—' : v.p_value.toFixed(3),
    ]),
  );
  const cases = table(
    ['case', 'variant', 'baseline', 'this run', 'delta'],
    c.cases.map((row) => [
      row.case_id,
      row.variant,
      fmt(row.score_a),
      fmt(row.score_b),
      fmt(row.delta, true),
    ]),
  );
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'Per case';
  details.append(summary, cases);
  into.replaceChildren(note, variants, details);
}
