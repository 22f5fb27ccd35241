/**
 * The gallery learns in the background whether the scorer can score each case (the server checks the
 * faces after the page is served). While any card is still `data-scorable="pending"`, this fetches the
 * gallery again now and then and swaps in the cards whose verdict is known: an unscorable case comes
 * back marked, with its reason, and unticked; a scorable one keeps the tick the user gave it.
 */
import { parseFragment } from './api';

const POLL_MS = 1500;

async function refreshPendingCards(): Promise<void> {
  const pending = Array.from(document.querySelectorAll<HTMLElement>('.case-card[data-scorable=pending]'));
  if (pending.length === 0) return;
  const res = await fetch('/app/cases', { headers: { accept: 'text/html' } });
  if (!res.ok) return;
  const fresh = parseFragment(await res.text(), 'block');
  if (!fresh) return;
  let changed = false;
  for (const card of pending) {
    const id = card.dataset.caseId ?? '';
    const next = Array.from(fresh.querySelectorAll<HTMLElement>('.case-card')).find(
      (c) => c.dataset.caseId === id,
    );
    if (!next || next.dataset.scorable === 'pending') continue;
    const before = card.querySelector<HTMLInputElement>('input[name=case]');
    const after = next.querySelector<HTMLInputElement>('input[name=case]');
    if (before && after && next.dataset.scorable === 'true') after.checked = before.checked;
    card.replaceWith(next);
    changed = true;
  }
  // The run form counts the ticked cases on `change`.
  if (changed) document.dispatchEvent(new Event('change'));
}

/** Starts watching; cheap while nothing is pending (no request is made). */
export function watchScorability(): void {
  const tick = () =>
    void refreshPendingCards()
      .catch(() => undefined)
      .finally(() => setTimeout(tick, POLL_MS));
  setTimeout(tick, POLL_MS);
}
