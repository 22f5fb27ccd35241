/** Requests to the swapbench server from the browser. Errors carry the server's `{ error }` message. */

export class RequestError extends Error {}

async function failure(res: Response): Promise<RequestError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    // Not JSON: keep the status line.
  }
  return new RequestError(message);
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** An HTML fragment rendered by the server from the shared components. */
export async function getHtml(url: string): Promise<string> {
  const res = await fetch(url, { headers: { accept: 'text/html' } });
  if (!res.ok) throw await failure(res);
  return res.text();
}

/** Parses a fragment into elements; table parts (`<td>`) need a table around them to parse. */
export function parseFragment(html: string, kind: 'block' | 'cell'): Element | null {
  const template = document.createElement('template');
  template.innerHTML = kind === 'cell' ? `<table><tbody><tr>${html}</tr></tbody></table>` : html;
  return kind === 'cell' ? template.content.querySelector('td') : template.content.firstElementChild;
}
