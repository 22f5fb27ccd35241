/**
 * The accounts page (components/AdminPage.astro): invites someone and shows the one-time link; the list
 * of accounts is the server's, reloaded after an invite.
 *
 * Stable selectors: [data-testid=invite-name], [data-testid=invite-role], [data-testid=invite-create],
 * [data-testid=invite-url], [data-testid=invite-error], [data-testid=accounts-table].
 */
import { wireAccountBar } from './account-bar';
import { postJson } from './api';

interface Invited {
  name: string;
  role: string;
  url: string;
}

const form = document.querySelector<HTMLFormElement>('[data-role=invite-form]');
const result = document.querySelector<HTMLElement>('[data-role=invite-result]');
const errorBox = document.querySelector<HTMLElement>('[data-role=invite-error]');

wireAccountBar();

form?.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
  const role = (form.elements.namedItem('role') as HTMLSelectElement).value;
  if (errorBox) errorBox.hidden = true;
  postJson<Invited>('/api/accounts', { name, role }).then(
    async (invited) => {
      if (!result) return;
      result.querySelector('[data-role=invite-for]')!.textContent = `${invited.name} (${invited.role})`;
      result.querySelector<HTMLInputElement>('[data-role=invite-url]')!.value = invited.url;
      result.hidden = false;
      form.reset();
      // The new account's row, from the server's own rendering of the page.
      const page = await fetch('/admin', { headers: { accept: 'text/html' } }).then((r) => r.text());
      const fresh = new DOMParser().parseFromString(page, 'text/html').querySelector('[data-testid=accounts]');
      const section = document.querySelector('[data-testid=accounts]');
      if (fresh && section) section.replaceWith(document.importNode(fresh, true));
    },
    (error: Error) => {
      if (!errorBox) return;
      errorBox.textContent = error.message;
      errorBox.hidden = false;
    },
  );
});
