/**
 * The login page (components/LoginPage.astro): signs in with an invite code (read from the invite link's
 * `#invite=…`, which never reaches a server) or with name and password. After an invite it offers to set a
 * password; otherwise it opens the page that was asked for (the login page stands in for any page while
 * signed out).
 *
 * Stable selectors: [data-testid=invite-code], [data-testid=invite-submit], [data-testid=login-name],
 * [data-testid=login-password], [data-testid=login-submit], [data-testid=login-error],
 * [data-testid=choose-password], [data-testid=new-password], [data-testid=password-submit].
 */
import { postJson } from './api';

interface SignedIn {
  name: string;
  role: string;
}

const $ = <T extends Element>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`swapbench: the page has no ${selector}`);
  return found;
};

const loginPanel = $<HTMLElement>('[data-testid=login]');
const passwordPanel = $<HTMLElement>('[data-testid=choose-password]');
const inviteForm = $<HTMLFormElement>('[data-role=invite-login]');
const passwordLogin = $<HTMLFormElement>('[data-role=password-login]');
const setPassword = $<HTMLFormElement>('[data-role=set-password]');
const loginError = $<HTMLElement>('[data-role=login-error]');
const passwordError = $<HTMLElement>('[data-role=password-error]');

function say(box: HTMLElement, message: string | null): void {
  box.textContent = message ?? '';
  box.hidden = message === null;
}

/** Where to go once signed in: the page asked for, unless that was the login page itself. */
function destination(): string {
  return location.pathname === '/login' ? '/' : location.pathname + location.search;
}

function field(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '';
}

async function submit(form: HTMLFormElement, body: Record<string, string>): Promise<SignedIn | null> {
  const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
  if (button) button.disabled = true;
  try {
    say(loginError, null);
    return await postJson<SignedIn>('/api/login', body);
  } catch (error) {
    say(loginError, (error as Error).message);
    return null;
  } finally {
    if (button) button.disabled = false;
  }
}

inviteForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void submit(inviteForm, { invite: field(inviteForm, 'invite').trim() }).then((account) => {
    if (!account) return;
    history.replaceState(null, '', location.pathname + location.search);
    loginPanel.hidden = true;
    passwordPanel.hidden = false;
    $<HTMLElement>('[data-role=welcome-name]').textContent = account.name;
    $<HTMLAnchorElement>('[data-testid=continue-link]').href = destination();
  });
});

passwordLogin.addEventListener('submit', (event) => {
  event.preventDefault();
  const body = { name: field(passwordLogin, 'name').trim(), password: field(passwordLogin, 'password') };
  void submit(passwordLogin, body).then((account) => {
    if (account) location.assign(destination());
  });
});

setPassword.addEventListener('submit', (event) => {
  event.preventDefault();
  say(passwordError, null);
  postJson('/api/account/password', { password: field(setPassword, 'password') }).then(
    () => location.assign(destination()),
    (error: Error) => say(passwordError, error.message),
  );
});

// The invite link: `/login#invite=<code>`. The code is read here and taken out of the address bar.
const invite = new URLSearchParams(location.hash.slice(1)).get('invite');
if (invite) {
  $<HTMLDetailsElement>('[data-role=invite-box]').open = true;
  $<HTMLInputElement>('[data-testid=invite-code]').value = invite;
  history.replaceState(null, '', location.pathname + location.search);
}
