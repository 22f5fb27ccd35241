import type { RunDetail, RunItemView } from '../runs/run-views';
import { variantSummaries } from './variant-scores';

/**
 * A run as JUnit XML, for CI systems that show test results (`export --format junit`, docs/cli.md §9): one
 * test suite per variant, one test case per item (`<case_id>` or `<case_id> #<sample>`). A scored item
 * passes with its score in its output; a failed one is a `<failure>` whose type is its `error_code`; a
 * canceled or unfinished one is skipped.
 */
export function toJunit(detail: Pick<RunDetail, 'id' | 'variants' | 'items' | 'samples'>): string {
  const summaries = variantSummaries(detail);
  const suites = summaries.map((summary) => {
    const items = detail.items.filter((i) => i.variant === summary.variant);
    const skipped = items.length - summary.scored - summary.failed;
    const cases = items.map((item) => testCase(item, detail.samples));
    const attributes = attrs({
      name: summary.variant,
      tests: items.length,
      failures: summary.failed,
      errors: 0,
      skipped,
      time: seconds(items.reduce((total, i) => total + (i.latency_ms ?? 0), 0)),
    });
    const properties = [
      ['tool_id', summary.tool_id],
      ['mean_score', summary.mean_score === null ? '' : summary.mean_score.toFixed(2)],
      ['mean_scored', summary.mean_scored === null ? '' : summary.mean_scored.toFixed(2)],
      ['refusal_rate', summary.refusal_rate === null ? '' : summary.refusal_rate.toFixed(4)],
    ].map(([name, value]) => `      <property ${attrs({ name, value })}/>`);
    return [
      `  <testsuite ${attributes}>`,
      '    <properties>',
      ...properties,
      '    </properties>',
      ...cases,
      '  </testsuite>',
    ].join('\n');
  });
  const total = summaries.reduce((n, s) => n + s.items, 0);
  const failures = summaries.reduce((n, s) => n + s.failed, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attrs({ name: `swapbench run ${detail.id}`, tests: total, failures, errors: 0 })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function testCase(item: RunItemView, samples: number): string {
  const name = samples > 1 ? `${item.case_id} #${item.sample}` : item.case_id;
  const head = `    <testcase ${attrs({ name, classname: item.variant, time: seconds(item.latency_ms ?? 0) })}`;
  if (item.status === 'scored')
    return `${head}>\n      <system-out>score ${item.score}</system-out>\n    </testcase>`;
  if (item.status === 'failed') {
    const failure = attrs({ type: item.error_code ?? 'other', message: item.error ?? '' });
    return `${head}>\n      <failure ${failure}/>\n    </testcase>`;
  }
  return `${head}>\n      <skipped ${attrs({ message: item.status })}/>\n    </testcase>`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}="${escapeXml(String(value))}"`)
    .join(' ');
}

/** Text safe inside an XML attribute; characters XML 1.0 forbids are dropped. */
function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
