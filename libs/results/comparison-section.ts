import type { RunComparison } from './run-comparison';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(n: number | null, sign = false): string {
  if (n === null) return '—';
  return `${sign && n >= 0 ? '+' : ''}${n.toFixed(1)}`;
}

/**
 * The comparison with a baseline run as an HTML section for the report (`report <b> --baseline <a>`):
 * one row per variant with the mean difference, its 95% interval and p-value, then the per-case deltas.
 */
export function comparisonSection(c: RunComparison): string {
  const variantRows = c.variants
    .map(
      (v) =>
        `<tr><td>${escape(v.variant)}</td><td>${v.n_cases}</td><td>${fmt(v.mean_a)}</td><td>${fmt(v.mean_b)}</td>` +
        `<td><strong>${fmt(v.delta, true)}</strong></td><td>${v.ci_low === null ? '—' : `[${fmt(v.ci_low)}, ${fmt(v.ci_high)}]`}</td>` +
        `<td>${v.p_value === null ? '—' : v.p_value.toFixed(3)}</td></tr>`,
    )
    .join('');
  const caseRows = c.cases
    .map(
      (row) =>
        `<tr><td>${escape(row.case_id)}</td><td>${escape(row.variant)}</td><td>${fmt(row.score_a)}</td>` +
        `<td>${fmt(row.score_b)}</td><td>${fmt(row.delta, true)}</td></tr>`,
    )
    .join('');
  return (
    `<section class="comparison" id="comparison"><h2>Compared with ${escape(c.a)}</h2>` +
    `<p>Differences are this run minus the baseline, over the cases both scored (means over samples), ` +
    `with a paired bootstrap 95% interval and a paired permutation p-value.</p>` +
    `<table><thead><tr><th>variant</th><th>cases</th><th>baseline</th><th>this run</th><th>delta</th>` +
    `<th>95% interval</th><th>p</th></tr></thead><tbody>${variantRows}</tbody></table>` +
    `<details><summary>Per case</summary><table><thead><tr><th>case</th><th>variant</th><th>baseline</th>` +
    `<th>this run</th><th>delta</th></tr></thead><tbody>${caseRows}</tbody></table></details></section>`
  );
}

/** Puts the section into a rendered page: before the end of its main element, or of its body. */
export function insertSection(html: string, section: string): string {
  for (const anchor of ['</main>', '</body>']) {
    const at = html.lastIndexOf(anchor);
    if (at >= 0) return html.slice(0, at) + section + html.slice(at);
  }
  return html + section;
}
