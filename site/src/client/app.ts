/**
 * swapbench web app: the client script of the page rendered at `/` (components/AppPage.astro).
 *
 * Stable selectors for end-to-end tests (all rendered by the shared components):
 *   Gallery      [data-testid=case-gallery]; per case [data-testid=case-card-<case>], its checkbox
 *                [data-testid=case-<case>] (disabled when invalid, error in [data-testid=case-error-<case>]);
 *                [data-scorable=pending|true|false] on the card, the reason in [data-testid=case-unscorable-<case>],
 *                [data-testid=case-checking-<case>] while the scorer's check is under way;
 *                [data-testid=select-all-cases], [data-testid=select-no-cases]
 *   Tools        [data-testid=tool-picker]; checkbox [data-testid=tool-<tool>] (disabled when unavailable,
 *                reason in [data-testid=tool-reason-<tool>])
 *   Run form     [data-testid=run-form], [data-testid=run-concurrency], [data-testid=run-cache],
 *                [data-testid=run-button]
 *   Live run     [data-testid=live-run] (section, hidden until a run is open), [data-testid=progress]
 *                (<progress>), [data-testid=progress-text], [data-testid=cancel-button],
 *                [data-testid=export-button] (link to /api/runs/<id>/report), [data-testid=run-panel-host]
 *   Run panel    [data-testid=run-panel][data-run-id][data-run-status], [data-testid=run-header],
 *                [data-testid=leaderboard], [data-testid=agreement], [data-testid=results-grid]
 *   Grid cell    td[data-item-id=<id>][data-status=<status>], also [data-testid=cell-<case>-<tool>];
 *                status [data-testid=status-<id>]; stars [data-testid=stars-<id>] with buttons
 *                [data-testid=rate-<id>-<n>] (n = 1..5, aria-checked); a focused cell takes keys 1–5
 *                (0 removes the rating); [data-testid=rating-mean-<id>] the mean over raters
 *   Grid tools   [data-testid=grid-filter], [data-testid=grid-status], sort buttons [data-testid=sort-<tool>]
 *   Runs list    [data-testid=runs-list]; [data-testid=run-link-<run>] reopens a run
 *   Messages     [data-testid=toast] (role=status)
 *   Raters       [data-testid=rater-form] with [data-testid=rater-name], [data-testid=rater-save],
 *                [data-testid=rater-current]; ratings carry the remembered name (else `anonymous`)
 *   Blind        [data-testid=blind-toggle] (or `?blind=1`); the blind panel's [data-testid=reveal-button]
 *                reveals one run; [data-testid=results-grid][data-blind=true] while blind
 * The open run is kept in the URL (`?run=<id>`), so a reload mid-run reopens it and re-watches it.
 */
import { io, type Socket } from 'socket.io-client';
import type { ItemUpdated, RunFinished, RunStarted } from '../../../libs/core/run-events';
import type { RunDetail } from '../../../libs/runs/run-views';
import type { TeamView } from '../../../libs/team/team-view';
import { starsSummary } from '../components/format';
import { getHtml, getJson, parseFragment, postJson } from './api';
import { watchScorability } from './case-scorability';
import { LiveView, showProgress } from './live-view';
import { wireAccountBar } from './account-bar';
import { blindMode, isRevealed, raterName, reveal, setBlindMode, wireRaterForm } from './rater';
import { prepareCompare } from './run-compare';
import { installVariantControls, toolSelection } from './tool-variants';

const $ = <T extends Element>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`swapbench: the page has no ${selector}`);
  return found;
};

const form = $<HTMLFormElement>('[data-testid=run-form]');
const runButton = $<HTMLButtonElement>('[data-testid=run-button]');
const summary = $<HTMLElement>('[data-role=selection-summary]');
const live = $<HTMLElement>('[data-testid=live-run]');
const host = $<HTMLElement>('[data-testid=run-panel-host]');
const bar = $<HTMLProgressElement>('[data-testid=progress]');
const progressText = $<HTMLElement>('[data-testid=progress-text]');
const queueDepth = $<HTMLElement>('[data-testid=queue-depth]');
const cancelButton = $<HTMLButtonElement>('[data-testid=cancel-button]');
const exportLink = $<HTMLAnchorElement>('[data-testid=export-button]');
const liveRunId = $<HTMLElement>('[data-role=live-run-id]');
const toastBox = $<HTMLElement>('[data-testid=toast]');
const blindToggle = $<HTMLInputElement>('[data-testid=blind-toggle]');
const arenaLink = $<HTMLAnchorElement>('[data-testid=arena-link]');
// Absent on a team server, where the signed-in account rates (client/account-bar.ts).
const raterForm = document.querySelector<HTMLFormElement>('[data-role=rater-form]');

/** Blind for this run: the mode is on and the rater has not revealed the run. */
function blindFor(runId: string): boolean {
  return blindToggle.checked && !isRevealed(runId);
}

/** Who views a run, as the fragment query: the rater's own stars, and the blind panel when blind. */
function viewerFor(runId: string): { query: string; blind: boolean } {
  const params = new URLSearchParams();
  const rater = raterName();
  if (rater) params.set('rater', rater);
  const blind = blindFor(runId);
  if (blind) params.set('blind', '1');
  const text = params.toString();
  return { query: text ? `?${text}` : '', blind };
}

let socket: Socket | null = null;
let current: { id: string; view: LiveView; running: boolean } | null = null;

function toast(message: string): void {
  toastBox.textContent = message;
  toastBox.hidden = false;
  clearTimeout(Number(toastBox.dataset.timer));
  toastBox.dataset.timer = String(setTimeout(() => (toastBox.hidden = true), 4000));
}

function checked(name: string): string[] {
  return Array.from(
    document.querySelectorAll<HTMLInputElement>(`input[name=${name}]:checked:not(:disabled)`),
  ).map((i) => i.value);
}

function updateSelection(): void {
  const cases = checked('case').length;
  // Each ticked tool runs once plus once per variant added to it in the picker.
  const tools = checked('tool').reduce(
    (n, id) =>
      n +
      1 +
      document.querySelectorAll(`[data-role=variants][data-tool-id="${id}"] [data-role=variant]`).length,
    0,
  );
  summary.textContent = `${cases} case${cases === 1 ? '' : 's'} × ${tools} tool${tools === 1 ? '' : 's'} = ${cases * tools} items`;
  runButton.disabled = cases === 0 || tools === 0;
}

function setRunning(running: boolean): void {
  if (current) current.running = running;
  cancelButton.disabled = !running;
  followQueues(running);
}

let queueTimer: number | undefined;

/** Team mode: the jobs waiting and running per queue, every 3 s while the open run runs (`GET /api/team`). */
function followQueues(running: boolean): void {
  window.clearInterval(queueTimer);
  queueDepth.hidden = true;
  if (!running) return;
  const show = async () => {
    const team = await getJson<TeamView>('/api/team');
    if (!team.team_mode) return window.clearInterval(queueTimer);
    queueDepth.hidden = false;
    queueDepth.textContent =
      team.queues.length === 0
        ? 'Queues: no job waiting'
        : `Queues: ${team.queues.map((q) => `${q.name} ${q.waiting} waiting, ${q.active} running`).join(' · ')}`;
  };
  void show().catch(() => undefined);
  queueTimer = window.setInterval(() => void show().catch(() => undefined), 3000);
}

/** The one Socket.IO connection; on every (re)connect it re-watches the open run, which replays its state. */
function connect(): Socket {
  if (socket) return socket;
  socket = io({ transports: ['websocket', 'polling'] });
  socket.on('connect', () => {
    if (current) socket?.emit('watch', current.id);
  });
  socket.on('update', (event: ItemUpdated) => {
    if (!current || event.run_id !== current.id) return;
    current.view.applyUpdate(event);
    showProgress(bar, progressText, event.progress, current.running ? 'running' : 'finished');
  });
  socket.on('run_started', (event: RunStarted) => {
    if (!current || event.run_id !== current.id) return;
    setRunning(true);
    showProgress(bar, progressText, event.progress, 'running');
  });
  socket.on('run_finished', (event: RunFinished) => {
    if (!current || event.run_id !== current.id) return;
    setRunning(false);
    showProgress(bar, progressText, event.progress, event.status);
    toast(`Run ${event.run_id} ${event.status}`);
    void current.view.finish(event.status).catch(showError);
    void refreshRunsList();
  });
  return socket;
}

/** Opens a run: renders its panel, shows its progress, and follows it live while it is not over. */
async function openRun(runId: string): Promise<void> {
  if (current && current.id !== runId) {
    socket?.emit('unwatch', current.id);
    current.view.dispose();
  }
  const url = new URL(location.href);
  url.searchParams.set('run', runId);
  history.replaceState(null, '', url);
  const view = new LiveView(host, runId, () => viewerFor(runId));
  current = { id: runId, view, running: false };
  live.hidden = false;
  liveRunId.textContent = runId;
  exportLink.href = `/api/runs/${encodeURIComponent(runId)}/report`;
  arenaLink.href = `/arena?run=${encodeURIComponent(runId)}`;
  markOpenRun(runId);
  // The panel first, then the watch: the watch replays every item's state onto the cells just rendered.
  await view.loadPanel();
  void prepareCompare(runId).catch(showError);
  const detail = await getJson<RunDetail>(`/api/runs/${encodeURIComponent(runId)}`);
  const running = detail.status === 'running' || detail.status === 'interrupted';
  setRunning(running);
  showProgress(bar, progressText, detail.progress, detail.status);
  if (running) {
    const s = connect();
    if (s.connected) s.emit('watch', runId);
  }
}

async function refreshRunsList(): Promise<void> {
  const fresh = parseFragment(await getHtml('/app/runs'), 'block');
  const list = document.querySelector('[data-testid=runs-list]');
  if (fresh && list) list.replaceWith(fresh);
  if (current) markOpenRun(current.id);
}

function markOpenRun(runId: string): void {
  for (const link of Array.from(document.querySelectorAll<HTMLElement>('[data-action=open-run]'))) {
    link.setAttribute('aria-current', String(link.dataset.runId === runId));
  }
}

/** Latest rating asked for per cell, so an older answer arriving late cannot undo a newer key press. */
const pendingRatings = new WeakMap<HTMLElement, number>();

/** Checks the first `stars` stars of a cell (0: none) and shows the mean over raters when known. */
function showStars(cell: HTMLElement, stars: number, mean?: { value: number | null; raters: number }): void {
  for (const button of Array.from(cell.querySelectorAll<HTMLButtonElement>('button[data-stars]'))) {
    const n = Number(button.dataset.stars);
    button.classList.toggle('on', n <= stars);
    button.setAttribute('aria-checked', String(n === stars));
  }
  const count = cell.querySelector('[data-role=rating-count]');
  if (count && mean !== undefined) count.textContent = starsSummary(mean.value, mean.raters);
}

/**
 * Rates a cell. The stars change at once, before the request: on a large grid the request can wait
 * behind the thumbnails a scroll just brought into view (six connections per host), and the key press
 * should not. The saved rating then confirms them (and the count); a failed request puts them back.
 */
async function rate(cell: HTMLElement, stars: number): Promise<void> {
  const itemId = Number(cell.dataset.itemId);
  if (!current || !cell.querySelector('[data-role=stars]')) return;
  const view = current.view;
  const before = cell.querySelectorAll('button[data-stars].on').length;
  const ticket = (pendingRatings.get(cell) ?? 0) + 1;
  pendingRatings.set(cell, ticket);
  showStars(cell, stars);
  let saved: { run_item_id: number; stars: number | null; stars_mean: number | null; stars_n: number };
  try {
    saved = await postJson('/api/rate', {
      run_item_id: itemId,
      // 0 withdraws the rater's rating.
      stars: stars === 0 ? null : stars,
      rater: raterName() ?? 'anonymous',
      blind: blindFor(current.id),
    });
  } catch (error) {
    if (pendingRatings.get(cell) === ticket) showStars(cell, before);
    throw error;
  }
  if (pendingRatings.get(cell) === ticket)
    showStars(cell, saved.stars ?? 0, { value: saved.stars_mean, raters: saved.stars_n });
  toast(saved.stars === null ? 'Rating removed' : `Rated ${saved.stars} star${saved.stars === 1 ? '' : 's'}`);
  await view.refreshSummary();
}

function showError(error: unknown): void {
  toast(error instanceof Error ? error.message : String(error));
}

// The gallery and tool picker sit outside the form, so listen on the document for their ticks too.
document.addEventListener('change', updateSelection);
document.addEventListener('click', (event) => {
  const target = event.target as Element;
  const action = target.closest<HTMLElement>('[data-action]');
  if (action?.dataset.action === 'select-all-cases' || action?.dataset.action === 'select-no-cases') {
    const on = action.dataset.action === 'select-all-cases';
    // "All" leaves out the cases the scorer cannot score: a run with them would be refused.
    for (const box of Array.from(
      document.querySelectorAll<HTMLInputElement>('input[name=case]:not(:disabled)'),
    ))
      box.checked = on && box.closest('[data-scorable=false]') === null;
    updateSelection();
  } else if (action?.dataset.action === 'open-run' && action.dataset.runId) {
    void openRun(action.dataset.runId).catch(showError);
    live.scrollIntoView({ behavior: 'smooth' });
  } else if (action?.dataset.action === 'reveal' && current) {
    reveal(current.id);
    void current.view.loadPanel().catch(showError);
  } else if (action?.dataset.action === 'cancel-run' && current) {
    const runId = current.id;
    void postJson(`/api/runs/${encodeURIComponent(runId)}/cancel`, {})
      .then(() => toast(`Canceling run ${runId}`))
      .catch(showError);
  }
  const star = target.closest<HTMLButtonElement>('button[data-stars]');
  const cell = star?.closest<HTMLElement>('td[data-item-id]');
  if (star && cell && host.contains(cell)) void rate(cell, Number(star.dataset.stars)).catch(showError);
});
// Keys 1–5 on a focused grid cell rate it, so a person can rate a whole grid from the keyboard; 0 removes
// your rating.
host.addEventListener('keydown', (event) => {
  const cell = (event.target as Element).closest<HTMLElement>('td[data-item-id]');
  if (!cell || event.altKey || event.ctrlKey || event.metaKey || !/^[0-5]$/.test(event.key)) return;
  event.preventDefault();
  void rate(cell, Number(event.key)).catch(showError);
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const { tool_options, ...tools } = toolSelection(checked('tool'));
  const body = {
    case_ids: checked('case'),
    ...tools,
    options: {
      // An empty field leaves it to the server's default, which the form showed to begin with.
      concurrency: Number(data.get('concurrency')) || undefined,
      cache: data.get('cache') === 'on',
      ...(tool_options && { tool_options }),
    },
  };
  runButton.disabled = true;
  postJson<{ run_id: string }>('/api/run', body)
    .then(async ({ run_id }) => {
      toast(`Run ${run_id} started`);
      await openRun(run_id);
      live.scrollIntoView({ behavior: 'smooth' });
      await refreshRunsList();
    })
    .catch(showError)
    .finally(updateSelection);
});

blindToggle.checked = blindMode();
blindToggle.addEventListener('change', () => {
  setBlindMode(blindToggle.checked);
  if (current) void current.view.loadPanel().catch(showError);
});
// A new name shows that rater's own stars: reload the open run's panel.
wireRaterForm(raterForm, () => {
  if (current) void current.view.loadPanel().catch(showError);
});
wireAccountBar();
updateSelection();
watchScorability();
installVariantControls();
const reopen = new URL(location.href).searchParams.get('run');
if (reopen) void openRun(reopen).catch(showError);
