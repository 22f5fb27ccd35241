/**
 * The gallery learns in the background whether the scorer can score each case (the server checks the
 * faces after the page is served). While any card is still `data-scorable="pending"`, this fetches the
 * gallery again now and then and updates, in place, the cards whose verdict is known: an unscorable case
 * gets its mark and reason and is unticked; a scorable one keeps the tick the user gave it. The card
 * element itself stays, so nothing the user is pointing at or scrolling to is swapped out under them.
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
    card.className = next.className;
    card.dataset.scorable = next.dataset.scorable;
    const note = next.querySelector('p.error');
    const checking = card.querySelector('.case-checking');
    if (note) (checking ?? card.querySelector('.case-meta'))?.after(note);
    checking?.remove();
    const box = card.querySelector<HTMLInputElement>('input[name=case]');
    if (box && next.dataset.scorable === 'false') box.checked = false;
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
