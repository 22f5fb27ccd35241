/** Drawing of the authoring dialog: the template's faces as numbered slots, avatars, and the slot → avatar picks. */

/** A face found in the template, as `POST /api/test-cases/faces` returns it. */
export interface PreviewFace {
  box: [number, number, number, number];
  score: number;
}

export interface FacePreview {
  width: number;
  height: number;
  faces: PreviewFace[];
}

/** An avatar file the user added, with an object URL for its thumbnail. */
export interface AvatarPick {
  file: File;
  url: string;
}

/** Draws numbered slot boxes over the template preview, as percentages so any display size fits. */
export function drawSlots(preview: HTMLElement, faces: FacePreview): void {
  for (const old of Array.from(preview.querySelectorAll('.slot-box'))) old.remove();
  preview.style.setProperty('--ar', (faces.width / faces.height).toFixed(4));
  preview.style.aspectRatio = `${faces.width} / ${faces.height}`;
  const pct = (v: number, total: number) => `${((v / total) * 100).toFixed(3)}%`;
  faces.faces.forEach((face, i) => {
    const [x, y, w, h] = face.box;
    const box = document.createElement('span');
    box.className = 'slot-box';
    box.dataset.testid = `preview-slot-${i + 1}`;
    box.title = `Slot ${i + 1}`;
    Object.assign(box.style, {
      left: pct(x, faces.width),
      top: pct(y, faces.height),
      width: pct(w, faces.width),
      height: pct(h, faces.height),
    });
    const num = document.createElement('span');
    num.className = 'slot-num';
    num.textContent = String(i + 1);
    box.append(num);
    preview.append(box);
  });
}

/** The avatar thumbnails, numbered, each with a remove button (`data-action=remove-avatar`). */
export function drawAvatars(list: HTMLElement, avatars: AvatarPick[]): void {
  list.replaceChildren(
    ...avatars.map((avatar, i) => {
      const item = document.createElement('li');
      item.className = 'avatar-pick';
      item.dataset.testid = `avatar-pick-${i + 1}`;
      const img = document.createElement('img');
      img.src = avatar.url;
      img.alt = `Avatar ${i + 1}: ${avatar.file.name}`;
      const label = document.createElement('span');
      label.className = 'avatar-name';
      label.textContent = `${letter(i)} · ${avatar.file.name}`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'btn-link';
      remove.dataset.action = 'remove-avatar';
      remove.dataset.index = String(i);
      remove.setAttribute('aria-label', `Remove avatar ${avatar.file.name}`);
      remove.textContent = '✕';
      item.append(img, label, remove);
      return item;
    }),
  );
}

/**
 * One row per slot with a select of the avatars plus "leave out". A slot the user set keeps its choice
 * (`chosen`); any other slot takes the avatar of its own number when there is one.
 */
export function drawAssignments(
  list: HTMLElement,
  faces: PreviewFace[],
  avatars: AvatarPick[],
  chosen: ReadonlyMap<number, number | null>,
): void {
  if (faces.length === 0) {
    const empty = document.createElement('li');
    empty.className = 'muted';
    empty.textContent = 'Faces found in the template appear here.';
    list.replaceChildren(empty);
    return;
  }
  list.replaceChildren(
    ...faces.map((_, i) => {
      const row = document.createElement('li');
      row.className = 'slot-row';
      const num = document.createElement('span');
      num.className = 'slot-num static';
      num.textContent = String(i + 1);
      const select = document.createElement('select');
      select.dataset.testid = `slot-${i + 1}-avatar`;
      select.dataset.role = 'slot-avatar';
      select.setAttribute('aria-label', `Avatar for slot ${i + 1}`);
      const none = new Option('— leave this person out —', '');
      select.append(none, ...avatars.map((a, k) => new Option(`${letter(k)} · ${a.file.name}`, String(k))));
      const choice = chosen.has(i) ? chosen.get(i)! : i < avatars.length ? i : null;
      select.value = choice === null ? '' : String(choice);
      row.append(num, select);
      return row;
    }),
  );
}

/** The current pick per slot: an avatar index or null (left out). */
export function readAssignments(list: HTMLElement): Array<number | null> {
  return Array.from(list.querySelectorAll<HTMLSelectElement>('select[data-role=slot-avatar]')).map((s) =>
    s.value === '' ? null : Number(s.value),
  );
}

/** Avatars are lettered (A, B, …) so they are not confused with the numbered slots. */
function letter(i: number): string {
  return String.fromCharCode(65 + i);
}
