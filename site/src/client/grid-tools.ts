/**
 * Sorting and filtering for the tables the shared components render (`table[data-sortable]`). No
 * dependencies: the report inlines this file as its only script, and the app uses it on every fragment.
 *
 * Sort: header buttons `button.sort[data-sort-col=N]` sort the body rows by the N-th cell's
 * `data-sort-value` (numeric when both values are numbers); a second click reverses. The header gets
 * `aria-sort`. Filter: the results grid's `[data-role=grid-filter]` text and `[data-role=grid-status]`.
 */

export function enhanceTables(root: ParentNode): void {
  for (const table of Array.from(root.querySelectorAll<HTMLTableElement>('table[data-sortable]'))) {
    if (table.dataset.enhanced === 'true') continue;
    table.dataset.enhanced = 'true';
    table.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button.sort');
      if (button && table.tHead?.contains(button)) sortBy(table, button);
    });
  }
  for (const panel of Array.from(root.querySelectorAll<HTMLElement>('[data-testid=results-grid]')))
    enableFilters(panel);
}

function sortBy(table: HTMLTableElement, button: HTMLButtonElement): void {
  const col = Number(button.dataset.sortCol);
  const th = button.closest('th');
  if (!th || !table.tBodies[0]) return;
  // Text columns start ascending, score columns descending: the best tool or item comes first.
  const current = th.getAttribute('aria-sort');
  const rows = Array.from(table.tBodies[0].rows);
  const numeric = rows.every((r) => isNumber(valueOf(r, col)));
  const ascending = current ? current === 'descending' : !numeric;
  for (const other of Array.from(table.tHead?.querySelectorAll('th') ?? []))
    other.removeAttribute('aria-sort');
  th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
  rows.sort((a, b) => {
    const x = valueOf(a, col);
    const y = valueOf(b, col);
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return ascending ? order : -order;
  });
  table.tBodies[0].append(...rows);
}

function valueOf(row: HTMLTableRowElement, col: number): string {
  const cell = row.cells[col];
  return cell ? (cell.dataset.sortValue ?? cell.textContent ?? '').trim() : '';
}

function isNumber(text: string): boolean {
  return text !== '' && Number.isFinite(Number(text));
}

function enableFilters(panel: HTMLElement): void {
  const bar = panel.querySelector<HTMLElement>('[data-role=grid-filters]');
  const text = panel.querySelector<HTMLInputElement>('[data-role=grid-filter]');
  const status = panel.querySelector<HTMLSelectElement>('[data-role=grid-status]');
  if (!bar || !text || !status || bar.dataset.enhanced === 'true') return;
  bar.dataset.enhanced = 'true';
  // The filters only work with a script, so they stay hidden until one runs (and in print).
  bar.hidden = false;
  const apply = () => applyFilter(panel, text.value.trim().toLowerCase(), status.value);
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
}

/** Hides rows whose case does not match the text, and cells whose status does not match. */
export function applyFilter(panel: HTMLElement, text: string, status: string): void {
  for (const row of Array.from(panel.querySelectorAll<HTMLTableRowElement>('tbody tr'))) {
    const cells = Array.from(row.querySelectorAll<HTMLElement>('td.cell[data-status]'));
    let visibleCells = 0;
    for (const cell of cells) {
      const s = cell.dataset.status ?? '';
      const match =
        !status || (status === 'pending' ? !['scored', 'failed', 'canceled'].includes(s) : s === status);
      cell.classList.toggle('dimmed', !match);
      if (match) visibleCells++;
    }
    const textMatch = !text || (row.dataset.search ?? '').includes(text);
    row.hidden = !textMatch || (status !== '' && visibleCells === 0);
  }
}
