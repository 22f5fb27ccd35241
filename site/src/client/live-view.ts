/**
 * Patches the server-rendered run panel in place as events arrive: status, thumbnail and score first,
 * straight from the event; then the server re-renders the cell (`/app/runs/:id/items/:itemId`) and, at
 * most once a second while a run goes or after a rating, the summary alone (`/app/runs/:id/summary`),
 * from the shared components, so the live grid looks exactly like the report's. Only opening a run
 * fetches the whole panel; its end re-renders what is still open and keeps the grid's sort and filter.
 */
import type { ItemUpdated, RunProgress } from '../../../libs/core/run-events';
import { getHtml, parseFragment } from './api';
import { enhanceTables } from './grid-tools';

const TERMINAL = new Set(['scored', 'failed', 'canceled']);

export class LiveView {
  private readonly pendingCells = new Map<number, ReturnType<typeof setTimeout>>();
  private summaryTimer: ReturnType<typeof setTimeout> | undefined;
  private summaryInFlight: Promise<void> | undefined;
  private summaryAgain: Promise<void> | undefined;
  /** Bumped by every full load, so a summary fetched before it cannot overwrite the newer panel. */
  private loads = 0;

  /**
   * `viewer` says who looks and whether blind: its query (`?rater=…&blind=1`) goes on every fragment
   * request, and a blind view never puts an event's image URL or score (which name the tool) into the page.
   */
  constructor(
    private readonly host: HTMLElement,
    private readonly runId: string,
    private readonly viewer: () => { query: string; blind: boolean } = () => ({ query: '', blind: false }),
  ) {}

  /** Loads the whole panel (header, leaderboard, agreement, grid). */
  async loadPanel(): Promise<void> {
    this.loads++;
    const html = await getHtml(`/app/runs/${encodeURIComponent(this.runId)}/grid${this.viewer().query}`);
    const focused = focusedItem();
    this.host.innerHTML = html;
    enhanceTables(this.host);
    restoreFocus(this.host, focused);
  }

  /**
   * Replaces only the header, leaderboard and agreement with the server's summary fragment (a few KiB,
   * however large the grid), leaving the grid, its sort, filter and focus alone. Calls made while one
   * is in flight coalesce into a single follow-up, so a burst of ratings costs at most two fetches.
   */
  refreshSummary(): Promise<void> {
    if (this.summaryInFlight) {
      // After the one in flight, whether it worked or not: its answer may predate this call's change.
      this.summaryAgain ??= this.summaryInFlight
        .catch(() => undefined)
        .then(() => {
          this.summaryAgain = undefined;
          return this.refreshSummary();
        });
      return this.summaryAgain;
    }
    const run = this.fetchSummary().finally(() => (this.summaryInFlight = undefined));
    this.summaryInFlight = run;
    return run;
  }

  private async fetchSummary(): Promise<void> {
    const loads = this.loads;
    const html = await getHtml(`/app/runs/${encodeURIComponent(this.runId)}/summary${this.viewer().query}`);
    if (loads !== this.loads) return;
    const fresh = parseFragment(html, 'block');
    const current = this.host.querySelector('[data-part=summary]');
    if (!fresh?.matches('[data-part=summary]') || !current) return;
    current.replaceWith(fresh);
    enhanceTables(fresh);
  }

  /** Applies an item event to its cell at once, then asks the server for the finished cell. */
  applyUpdate(event: ItemUpdated): void {
    const cell = this.cell(event.item_id);
    if (!cell) return;
    if (cell.dataset.itemId !== String(event.item_id)) {
      // A later sample, shown in the strip of its cell: the server re-renders the whole cell.
      if (TERMINAL.has(event.status) || event.status === 'generated') this.scheduleCell(event.item_id);
      if (TERMINAL.has(event.status)) this.scheduleSummary();
      return;
    }
    cell.dataset.status = event.status;
    const status = cell.querySelector<HTMLElement>('[data-role=status]');
    if (status) {
      status.textContent = event.status;
      status.className = `status status-${event.status}`;
    }
    const media = cell.querySelector<HTMLElement>('[data-role=media]');
    const blind = this.viewer().blind;
    if (!blind && event.image_url && media && !media.querySelector('img')) {
      // Show the image the moment it exists, before it is scored.
      const img = document.createElement('img');
      img.src = event.image_url;
      img.alt = `Output of ${event.case_id} × ${event.tool_id}`;
      media.replaceChildren(img);
    }
    const score = cell.querySelector<HTMLElement>('[data-role=score]');
    if (!blind && score && event.score !== null && score.tagName === 'SPAN')
      score.textContent = event.score.toFixed(1);
    if (TERMINAL.has(event.status) || event.status === 'generated') this.scheduleCell(event.item_id);
    if (TERMINAL.has(event.status)) this.scheduleSummary();
  }

  /**
   * Settles the panel when the run ends: re-renders every cell still waiting for its refresh or not yet
   * terminal (an event lost to a reconnect cannot leave a cell behind), then the summary, and only then
   * marks the panel with the run's final status, so `[data-run-status=finished]` means "all shown".
   */
  async finish(status: string): Promise<void> {
    const open = new Set(this.pendingCells.keys());
    for (const timer of this.pendingCells.values()) clearTimeout(timer);
    this.pendingCells.clear();
    for (const cell of Array.from(this.host.querySelectorAll<HTMLElement>('td[data-item-id]'))) {
      if (!TERMINAL.has(cell.dataset.status ?? '')) open.add(Number(cell.dataset.itemId));
    }
    clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
    const settled = await Promise.allSettled([
      ...[...open].map((id) => this.refreshCell(id)),
      this.refreshSummary(),
    ]);
    const panel = this.host.querySelector<HTMLElement>('[data-testid=run-panel]');
    if (panel) panel.dataset.runStatus = status;
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Keeps the header's counts and the leaderboard current while a run goes: at most one refresh a second. */
  scheduleSummary(delayMs = 1000): void {
    if (this.summaryTimer !== undefined) return;
    this.summaryTimer = setTimeout(() => {
      this.summaryTimer = undefined;
      void this.refreshSummary().catch(() => undefined);
    }, delayMs);
  }

  /** Re-renders one cell on the server; coalesces bursts of events for the same item. */
  scheduleCell(itemId: number, delayMs = 150): void {
    clearTimeout(this.pendingCells.get(itemId));
    this.pendingCells.set(
      itemId,
      setTimeout(() => {
        this.pendingCells.delete(itemId);
        void this.refreshCell(itemId).catch(() => undefined);
      }, delayMs),
    );
  }

  async refreshCell(itemId: number): Promise<void> {
    const html = await getHtml(
      `/app/runs/${encodeURIComponent(this.runId)}/items/${itemId}${this.viewer().query}`,
    );
    const fresh = parseFragment(html, 'cell');
    const current = this.cell(itemId);
    if (!fresh || !current) return;
    const hadFocus = current.contains(document.activeElement);
    // Keep the filter's dimming: it is client state the server does not know.
    if (current.classList.contains('dimmed')) fresh.classList.add('dimmed');
    current.replaceWith(fresh);
    if (hadFocus && fresh instanceof HTMLElement) fresh.focus();
  }

  /** The cell that shows the item: its own, or the one whose sample strip holds it. */
  cell(itemId: number): HTMLTableCellElement | null {
    return (
      this.host.querySelector<HTMLTableCellElement>(`td[data-item-id="${itemId}"]`) ??
      this.host.querySelector(`[data-sample-item-id="${itemId}"]`)?.closest<HTMLTableCellElement>('td') ??
      null
    );
  }

  dispose(): void {
    for (const timer of this.pendingCells.values()) clearTimeout(timer);
    clearTimeout(this.summaryTimer);
    this.pendingCells.clear();
  }
}

/** Draws the progress bar and its text. */
export function showProgress(
  bar: HTMLProgressElement,
  text: HTMLElement,
  progress: RunProgress,
  status: string,
): void {
  bar.max = Math.max(progress.total, 1);
  bar.value = progress.done;
  const parts = [`${progress.done}/${progress.total} done`, `${progress.scored} scored`];
  if (progress.failed) parts.push(`${progress.failed} failed`);
  if (progress.canceled) parts.push(`${progress.canceled} canceled`);
  text.textContent = `${parts.join(' · ')} — ${status}`;
}

function focusedItem(): string | null {
  return document.activeElement?.closest<HTMLElement>('[data-item-id]')?.dataset.itemId ?? null;
}

function restoreFocus(host: HTMLElement, itemId: string | null): void {
  if (itemId) host.querySelector<HTMLElement>(`td[data-item-id="${itemId}"]`)?.focus();
}
