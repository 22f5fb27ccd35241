import Table from 'cli-table3';

/**
 * Whether output to this stream may carry colour codes: only a terminal, and never under `NO_COLOR`
 * (https://no-color.org); `FORCE_COLOR` (not `0`) asks for colour even in a pipe.
 */
export function colourAllowed(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0';
  return Boolean(stream.isTTY);
}

/** Width the tables may take: the terminal's, `COLUMNS` in a pipe, else 100 characters. */
export function outputWidth(stream: NodeJS.WriteStream = process.stdout): number {
  const columns = stream.isTTY ? stream.columns : Number(process.env.COLUMNS);
  return Number.isFinite(columns) && columns >= 40 ? columns : 100;
}

/** Narrowest a column is squeezed to before the table gives up fitting (its text wraps inside). */
const MIN_COLUMN = 8;

/**
 * A table that fits the output's width: columns keep their natural width when everything fits, and the
 * widest ones give way (their text wraps at word boundaries) when not; the first column (an id) keeps its width. No colour in pipes or under NO_COLOR.
 */
export function renderTable(
  head: string[],
  rows: Array<Array<string | number>>,
  /** Columns never narrowed (ids a user copies): the first one unless told otherwise. */
  keep: number[] = [0],
): string {
  const cells = [head, ...rows].map((row) => row.map((c) => String(c)));
  const natural = head.map((_, k) =>
    Math.max(...cells.map((row) => Math.max(...(row[k] ?? '').split('\n').map((l) => l.length))), 1),
  );
  // Each column has one space of padding on either side and a border after it, plus the first border.
  const budget = outputWidth() - (3 * head.length + 1);
  const widths = [...natural];
  while (widths.reduce((a, b) => a + b, 0) > budget) {
    const narrowable = widths.map((w, k) => (keep.includes(k) ? 0 : w));
    const widest = narrowable.indexOf(Math.max(...narrowable));
    if (widths[widest] <= MIN_COLUMN) break;
    widths[widest]--;
  }
  const colour = colourAllowed();
  const table = new Table({
    head,
    style: { head: colour ? ['cyan'] : [], border: colour ? ['grey'] : [] },
    colWidths: widths.map((w) => w + 2),
    wordWrap: true,
    wrapOnWordBoundary: true,
  });
  // A word longer than its column would be cut short with an ellipsis: split it across lines instead.
  for (const row of cells.slice(1)) table.push(row.map((text, k) => splitLongWords(text, widths[k])));
  return table.toString();
}

function splitLongWords(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .split(' ')
        .map((word) =>
          word.length <= width ? word : (word.match(new RegExp(`.{1,${width}}`, 'g')) ?? [word]).join(' '),
        )
        .join(' '),
    )
    .join('\n');
}
