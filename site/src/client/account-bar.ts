/**
 * The signed-in account of a team server, as the page carries it (`<body data-account=…>`), and the
 * header's sign-out button ([data-action=sign-out]).
 */
import { postJson } from './api';

/** The signed-in account's name, or null in the single-user mode (no accounts). */
export function accountName(): string | null {
  return document.body.dataset.account ?? null;
}

/** Wires the sign-out button, if the page has one: ends the session, then shows the login page. */
export function wireAccountBar(): void {
  const button = document.querySelector<HTMLButtonElement>('[data-action=sign-out]');
  button?.addEventListener('click', () => {
    button.disabled = true;
    postJson('/api/logout', {})
      .catch(() => undefined)
      .finally(() => location.assign('/login'));
  });
}
