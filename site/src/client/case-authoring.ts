/**
 * The "New test case" dialog and case deletion in the web app (components/CaseAuthoring.astro and the
 * gallery's buttons). Selectors for end-to-end tests:
 *   [data-testid=new-case-button] opens [data-testid=case-authoring] (a <dialog>);
 *   [data-testid=template-input], [data-testid=avatars-input] (file inputs; the drop zones around them
 *   [data-testid=template-drop] / [data-testid=avatars-drop] also take dropped files);
 *   [data-testid=faces-status], [data-testid=template-preview] with [data-testid=preview-slot-<n>];
 *   [data-testid=avatar-pick-<n>]; per slot [data-testid=slot-<n>-avatar] (<select>, '' = leave out);
 *   [data-testid=case-title], [data-testid=case-id], [data-testid=case-prompt], [data-testid=case-tags];
 *   [data-testid=save-case]; errors in [data-testid=authoring-error];
 *   per gallery card [data-testid=delete-case-<case>] (asks to confirm; offers to archive on 409).
 */
import { RequestError } from './api';
import {
  drawAssignments,
  drawAvatars,
  drawSlots,
  readAssignments,
  type AvatarPick,
  type FacePreview,
} from './case-slots';

const dialog = document.querySelector<HTMLDialogElement>('[data-testid=case-authoring]');
if (dialog) setUp(dialog);

function setUp(dialog: HTMLDialogElement): void {
  const $ = <T extends Element>(role: string) => dialog.querySelector<T>(`[data-role=${role}]`)!;
  const form = $<HTMLFormElement>('authoring-form');
  const templateInput = $<HTMLInputElement>('template-input');
  const avatarsInput = $<HTMLInputElement>('avatars-input');
  const preview = $<HTMLElement>('template-preview');
  const previewImage = $<HTMLImageElement>('template-image');
  const facesStatus = $<HTMLElement>('faces-status');
  const avatarList = $<HTMLElement>('avatar-list');
  const slotList = $<HTMLElement>('slot-list');
  const errorBox = $<HTMLElement>('authoring-error');
  const save = $<HTMLButtonElement>('save-case');

  let template: { file: File; url: string; faces: FacePreview | null } | null = null;
  let avatars: AvatarPick[] = [];
  /** Slots whose avatar the user picked by hand, with the pick (null: left out). */
  const chosen = new Map<number, number | null>();
  let detecting = 0;

  const showError = (message: string | null) => {
    errorBox.textContent = message ?? '';
    errorBox.hidden = message === null;
  };
  const refresh = () => {
    drawAvatars(avatarList, avatars);
    drawAssignments(slotList, template?.faces?.faces ?? [], avatars, chosen);
    updateSave();
  };
  const updateSave = () => {
    const picks = readAssignments(slotList);
    save.disabled = !template?.faces || picks.every((p) => p === null) || detecting > 0;
  };

  async function setTemplate(file: File): Promise<void> {
    if (template) URL.revokeObjectURL(template.url);
    template = { file, url: URL.createObjectURL(file), faces: null };
    chosen.clear();
    previewImage.src = template.url;
    preview.hidden = false;
    for (const old of Array.from(preview.querySelectorAll('.slot-box'))) old.remove();
    facesStatus.textContent = 'Finding faces…';
    showError(null);
    refresh();
    const body = new FormData();
    body.append('image', file, file.name);
    const mine = template;
    detecting++;
    try {
      const faces = await send<FacePreview>('/api/test-cases/faces', { method: 'POST', body });
      if (template !== mine) return;
      mine.faces = faces;
      drawSlots(preview, faces);
      const n = faces.faces.length;
      facesStatus.textContent =
        n === 0
          ? 'No face found: choose a photo where faces are visible.'
          : `${n} face${n === 1 ? '' : 's'} found`;
    } catch (error) {
      if (template !== mine) return;
      // A file the server refused is no template: drop it, so nothing stale is shown or sent.
      URL.revokeObjectURL(mine.url);
      template = null;
      preview.hidden = true;
      previewImage.removeAttribute('src');
      templateInput.value = '';
      facesStatus.textContent = '';
      showError(message(error));
    } finally {
      detecting--;
      refresh();
    }
  }

  function addAvatars(files: File[]): void {
    const images = files.filter((f) => /^image\//.test(f.type) || /\.(png|jpe?g|webp)$/i.test(f.name));
    if (images.length < files.length) showError('Only PNG, JPEG or WebP images can be avatars.');
    avatars = [...avatars, ...images.map((file) => ({ file, url: URL.createObjectURL(file) }))].slice(0, 16);
    refresh();
  }

  function reset(): void {
    form.reset();
    if (template) URL.revokeObjectURL(template.url);
    for (const a of avatars) URL.revokeObjectURL(a.url);
    template = null;
    avatars = [];
    chosen.clear();
    preview.hidden = true;
    previewImage.removeAttribute('src');
    facesStatus.textContent = '';
    showError(null);
    refresh();
  }

  templateInput.addEventListener('change', () => {
    const file = templateInput.files?.[0];
    if (file) void setTemplate(file);
  });
  avatarsInput.addEventListener('change', () => {
    addAvatars(Array.from(avatarsInput.files ?? []));
    avatarsInput.value = '';
  });
  for (const [zone, take] of [
    [$<HTMLElement>('template-drop'), (files: File[]) => files[0] && void setTemplate(files[0])],
    [$<HTMLElement>('avatars-drop'), addAvatars],
  ] as const) {
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      take(Array.from(event.dataTransfer?.files ?? []));
    });
  }
  form.addEventListener('input', (event) => {
    if ((event.target as Element).matches('.authoring-fields *')) showError(null);
  });
  slotList.addEventListener('change', (event) => {
    const select = event.target as HTMLSelectElement;
    const slot = Number(select.dataset.testid?.match(/^slot-(\d+)-avatar$/)?.[1]) - 1;
    if (slot >= 0) chosen.set(slot, select.value === '' ? null : Number(select.value));
    updateSave();
  });
  dialog.addEventListener('click', (event) => {
    const action = (event.target as Element).closest<HTMLElement>('[data-action]');
    if (action?.dataset.action === 'close-authoring') dialog.close();
    if (action?.dataset.action === 'remove-avatar') {
      const index = Number(action.dataset.index);
      const [removed] = avatars.splice(index, 1);
      if (removed) URL.revokeObjectURL(removed.url);
      // Picks of later avatars move down one; a pick of the removed one becomes "left out".
      for (const [slot, pick] of chosen) {
        if (pick === index) chosen.set(slot, null);
        else if (pick !== null && pick > index) chosen.set(slot, pick - 1);
      }
      refresh();
    }
  });
  dialog.addEventListener('close', reset);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!template) return;
    const fields = new FormData(form);
    if (!String(fields.get('title') ?? '').trim()) {
      showError('Give the case a name.');
      form.querySelector<HTMLInputElement>('[name=title]')?.focus();
      return;
    }
    const body = new FormData();
    for (const name of ['title', 'id', 'prompt', 'tags']) {
      const value = String(fields.get(name) ?? '').trim();
      if (value) body.append(name, value);
    }
    const picks = readAssignments(slotList);
    body.append('assignments', JSON.stringify(picks));
    body.append('template', template.file, template.file.name);
    for (const a of avatars) body.append('avatars', a.file, a.file.name);
    save.disabled = true;
    showError(null);
    save.textContent = 'Saving…';
    send<{ id: string }>('/api/test-cases', { method: 'POST', body })
      .then(async (created) => {
        dialog.close();
        await refreshGallery();
        toast(`Test case ${created.id} created`);
      })
      .catch((error: unknown) => showError(message(error)))
      .finally(() => {
        save.textContent = 'Save case';
        updateSave();
      });
  });

  document.addEventListener('click', (event) => {
    const action = (event.target as Element).closest<HTMLElement>('[data-action]');
    if (action?.dataset.action === 'open-authoring') {
      reset();
      dialog.showModal();
    } else if (action?.dataset.action === 'delete-case' && action.dataset.caseId) {
      void removeCase(action.dataset.caseId).catch((error: unknown) => toast(message(error)));
    }
  });
}

/** Deletes a case after a confirmation; when runs refer to it, offers to archive it instead. */
async function removeCase(id: string): Promise<void> {
  if (!confirm(`Delete test case "${id}"? Its folder is removed from the datasets folder.`)) return;
  const url = `/api/test-cases/${encodeURIComponent(id)}`;
  try {
    await send(url, { method: 'DELETE' });
    toast(`Test case ${id} deleted`);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    if (!confirm(`${error.message}.\n\nArchive "${id}" instead? It leaves the gallery; its files are kept.`))
      return;
    await send(`${url}?archive=true`, { method: 'DELETE' });
    toast(`Test case ${id} archived`);
  }
  await refreshGallery();
}

/** Swaps in a freshly rendered gallery and lets the run form recount the selection. */
async function refreshGallery(): Promise<void> {
  const res = await fetch('/app/cases', { headers: { accept: 'text/html' } });
  if (!res.ok) throw new RequestError(`Could not reload the gallery (${res.status})`);
  const holder = document.createElement('template');
  holder.innerHTML = await res.text();
  const fresh = holder.content.firstElementChild;
  const gallery = document.querySelector('[data-testid=case-gallery]');
  if (!fresh || !gallery) return;
  gallery.replaceWith(fresh);
  fresh.dispatchEvent(new Event('change', { bubbles: true }));
}

class ConflictError extends RequestError {}

/** fetch with the server's `{ error }` as the thrown message; 409 is a ConflictError. */
async function send<T = unknown>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { accept: 'application/json' } });
  if (res.ok) return (await res.json()) as T;
  let text = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string') text = body.error;
  } catch {
    // Not JSON: keep the status line.
  }
  throw res.status === 409 ? new ConflictError(text) : new RequestError(text);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toast(text: string): void {
  const box = document.querySelector<HTMLElement>('[data-testid=toast]');
  if (!box) return;
  box.textContent = text;
  box.hidden = false;
  clearTimeout(Number(box.dataset.timer));
  box.dataset.timer = String(setTimeout(() => (box.hidden = true), 4000));
}
