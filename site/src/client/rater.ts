/**
 * Who is rating, and how: the rater's name (asked once, kept in this browser's localStorage), blind mode
 * (a toggle, or `?blind=1` in the URL) and the runs the rater has revealed. The server checks the name
 * again (1–40 characters, no control characters); this only keeps a person from typing it twice. On a
 * team server the rater is the signed-in account (the server records that name whatever is sent).
 */
import { accountName } from './account-bar';

const NAME_KEY = 'swapbench.rater';
const BLIND_KEY = 'swapbench.blind';
const REVEALED_KEY = 'swapbench.revealed';

/** The same rule as the server's: 1–40 characters, none a control character. */
export function validRater(name: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  return name.length >= 1 && name.length <= 40 && !/[\u0000-\u001f\u007f-\u009f]/.test(name);
}

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled: ask again next time
  }
}

function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage disabled: the name holds for this page only
  }
}

let nameThisPage: string | null = null;

/** The remembered rater name, or null before one was given. */
export function raterName(): string | null {
  const name = accountName() ?? nameThisPage ?? stored(NAME_KEY);
  return name !== null && validRater(name) ? name : null;
}

export function setRaterName(name: string): void {
  nameThisPage = name;
  store(NAME_KEY, name);
}

/** Blind mode: on when the URL says `?blind=1` (remembered from then on) or the toggle was left on. */
export function blindMode(): boolean {
  const param = new URL(location.href).searchParams.get('blind');
  if (param === '1' || param === '0') store(BLIND_KEY, param);
  return stored(BLIND_KEY) === '1';
}

export function setBlindMode(on: boolean): void {
  store(BLIND_KEY, on ? '1' : '0');
  const url = new URL(location.href);
  if (on) url.searchParams.set('blind', '1');
  else url.searchParams.delete('blind');
  history.replaceState(null, '', url);
}

function revealedRuns(): string[] {
  try {
    const parsed: unknown = JSON.parse(stored(REVEALED_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function isRevealed(runId: string): boolean {
  return revealedRuns().includes(runId);
}

export function reveal(runId: string): void {
  store(REVEALED_KEY, JSON.stringify([...revealedRuns().filter((r) => r !== runId), runId].slice(-200)));
}

/**
 * Wires a rater form (`[data-role=rater-form]` with an input `[name=rater]` and `[data-role=rater-current]`):
 * shows the remembered name, or asks for it; `onChange` runs after a new name is saved.
 */
export function wireRaterForm(form: HTMLFormElement | null, onChange: (name: string) => void): void {
  // A team server's pages have no name form: the signed-in account rates.
  if (!form) return;
  const input = form.querySelector<HTMLInputElement>('input[name=rater]');
  const current = form.querySelector<HTMLElement>('[data-role=rater-current]');
  const show = () => {
    const name = raterName();
    form.dataset.state = name ? 'known' : 'asking';
    if (current)
      current.textContent = name
        ? `Rating as ${name}`
        : 'Who is rating? Your name is asked once and kept in this browser.';
    if (input && name) input.value = name;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = input?.value.trim() ?? '';
    if (!validRater(name)) {
      input?.setCustomValidity('1 to 40 characters, no control characters');
      input?.reportValidity();
      return;
    }
    input?.setCustomValidity('');
    setRaterName(name);
    show();
    onChange(name);
  });
  form.querySelector('[data-action=change-rater]')?.addEventListener('click', () => {
    form.dataset.state = 'asking';
    input?.focus();
  });
  show();
}
