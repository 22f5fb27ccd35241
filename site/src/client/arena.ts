/**
 * The pairwise arena at `/arena` (components/ArenaPage.astro): two outputs of one case side by side, no
 * names; the rater answers with ← (left better), → (right better), ↓ (tie), ↑ (both bad) or the buttons.
 *
 * Stable selectors: [data-testid=arena], [data-testid=arena-run] (run picker), [data-testid=rater-name],
 * [data-testid=arena-left] / [data-testid=arena-right] (images, `data-item-id`), [data-testid=vote-left|
 * vote-right|vote-tie|vote-both-bad], [data-testid=arena-status], [data-testid=arena-count].
 */
import { getJson, postJson } from './api';
import { wireAccountBar } from './account-bar';
import { raterName, wireRaterForm } from './rater';

interface Side {
  item_id: number;
  image_url: string;
}
interface Pair {
  case_id: string | null;
  left: Side | null;
  right: Side | null;
  remaining: number;
  reference?: { template_url: string | null; avatar_urls: Array<string | null> } | null;
}

const root = document.querySelector<HTMLElement>('[data-testid=arena]');
if (root) start(root);

function start(arena: HTMLElement): void {
  const picker = arena.querySelector<HTMLSelectElement>('[data-testid=arena-run]');
  const status = arena.querySelector<HTMLElement>('[data-testid=arena-status]');
  const count = arena.querySelector<HTMLElement>('[data-testid=arena-count]');
  const left = arena.querySelector<HTMLImageElement>('[data-testid=arena-left]');
  const right = arena.querySelector<HTMLImageElement>('[data-testid=arena-right]');
  const template = arena.querySelector<HTMLImageElement>('[data-role=arena-template]');
  const avatars = arena.querySelector<HTMLElement>('[data-role=arena-avatars]');
  const buttons = Array.from(arena.querySelectorAll<HTMLButtonElement>('button[data-winner]'));
  const form = document.querySelector<HTMLFormElement>('[data-role=rater-form]');
  if (!picker || !status || !left || !right) return;
  let pair: Pair | null = null;
  let busy = false;
  let votes = 0;

  const say = (text: string): void => {
    status.textContent = text;
  };
  const enable = (on: boolean) => {
    for (const b of buttons) b.disabled = !on;
    arena.dataset.state = on ? 'ready' : 'waiting';
  };

  async function next(): Promise<void> {
    const rater = raterName();
    const runs = picker?.value ?? '';
    enable(false);
    pair = null;
    if (!rater) return say('Enter your name above to start voting.');
    if (!runs) return say('No finished run to compare yet.');
    say('Loading the next pair…');
    const url = `/api/arena/next?runs=${encodeURIComponent(runs)}&rater=${encodeURIComponent(rater)}`;
    const answer = await getJson<Pair>(url);
    if (!answer.left || !answer.right) {
      left?.removeAttribute('src');
      right?.removeAttribute('src');
      return say('You have voted on every pair of this run. Thank you!');
    }
    pair = answer;
    setImage(left as HTMLImageElement, answer.left);
    setImage(right as HTMLImageElement, answer.right);
    if (template) {
      if (answer.reference?.template_url) template.src = answer.reference.template_url;
      else template.removeAttribute('src');
    }
    if (avatars) {
      avatars.replaceChildren(
        ...(answer.reference?.avatar_urls ?? []).flatMap((src) => {
          if (!src) return [];
          const img = document.createElement('img');
          img.src = src;
          img.alt = 'Avatar';
          return [img];
        }),
      );
    }
    say(
      `Case ${answer.case_id}: which output swaps the people better? (${answer.remaining} pairs left for you)`,
    );
    enable(true);
  }

  async function vote(winner: string): Promise<void> {
    const rater = raterName();
    if (!pair?.left || !pair.right || busy || !rater) return;
    busy = true;
    enable(false);
    try {
      await postJson('/api/votes', {
        left_item_id: pair.left.item_id,
        right_item_id: pair.right.item_id,
        winner,
        rater,
      });
      votes++;
      if (count) count.textContent = `${votes} vote${votes === 1 ? '' : 's'} this visit`;
    } finally {
      busy = false;
    }
    await next();
  }

  const fail = (error: unknown) => {
    say(error instanceof Error ? error.message : String(error));
    enable(pair !== null);
  };
  for (const b of buttons) b.addEventListener('click', () => void vote(b.dataset.winner ?? '').catch(fail));
  const KEYS: Record<string, string> = {
    ArrowLeft: 'left',
    ArrowRight: 'right',
    ArrowDown: 'tie',
    ArrowUp: 'both_bad',
  };
  document.addEventListener('keydown', (event) => {
    const winner = KEYS[event.key];
    const target = event.target as Element;
    if (!winner || event.altKey || event.ctrlKey || event.metaKey) return;
    if (target.closest('input, select, textarea')) return;
    event.preventDefault();
    void vote(winner).catch(fail);
  });
  picker.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('run', picker.value);
    history.replaceState(null, '', url);
    void next().catch(fail);
  });
  wireRaterForm(form, () => void next().catch(fail));
  wireAccountBar();
  void next().catch(fail);
}

function setImage(img: HTMLImageElement, side: Side): void {
  img.src = side.image_url;
  img.dataset.itemId = String(side.item_id);
}
