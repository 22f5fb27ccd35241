import type { Slot } from '../../cases/test-case';

const ORDINALS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
];

/**
 * Where each slot's person stands in the template, in words a model can follow ("the person on the
 * left", "the second person from the left"), in slot order. Positions come from the slot boxes, ordered
 * by the horizontal centre; boxes stacked above one another also say "higher" or "lower in the frame".
 */
export function describeSlotPositions(slots: readonly Slot[]): string[] {
  const n = slots.length;
  if (n === 0) return [];
  if (n === 1) return ['the person in the photo'];
  const centre = (s: Slot): [number, number] => [s.box[0] + s.box[2] / 2, s.box[1] + s.box[3] / 2];
  const order = slots.map((s, i) => ({ i, c: centre(s) })).sort((a, b) => a.c[0] - b.c[0] || a.c[1] - b.c[1]);
  const words: string[] = new Array<string>(n);
  order.forEach(({ i }, rank) => {
    words[i] = positionWords(rank, n);
  });
  // Two faces whose centres are within half a face width of each other are one above the other.
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      if (a === b) continue;
      const [ax, ay] = centre(slots[a]);
      const [bx, by] = centre(slots[b]);
      const close = Math.abs(ax - bx) < Math.min(slots[a].box[2], slots[b].box[2]) / 2;
      if (close && !words[a].includes('in the frame'))
        words[a] += ay < by ? ', higher in the frame' : ', lower in the frame';
    }
  }
  return words;
}

function positionWords(rank: number, n: number): string {
  if (n === 2) return rank === 0 ? 'the person on the left' : 'the person on the right';
  if (n === 3) return ['the person on the left', 'the person in the middle', 'the person on the right'][rank];
  if (rank === 0) return 'the leftmost person';
  if (rank === n - 1) return 'the rightmost person';
  const ordinal = ORDINALS[rank] ?? `number ${rank + 1}`;
  return `the ${ordinal} person from the left`;
}

/**
 * The edit prompt for a multi-image request whose first image is the template and whose later images
 * are the avatars in slot order: it names which avatar replaces which person, by position. A case's own
 * prompt, when it has one, replaces this text entirely.
 */
export function buildSwapPrompt(slots: readonly Slot[], casePrompt: string | null): string {
  if (casePrompt && casePrompt.trim()) return casePrompt.trim();
  const positions = describeSlotPositions(slots);
  const people = slots.length === 1 ? 'one person' : `${slots.length} people`;
  const avatars =
    slots.length === 1 ? 'Image 2 is a portrait' : `Images 2 to ${slots.length + 1} are portraits`;
  const lines = positions.map(
    (where, i) => `- Replace ${where} in image 1 with the person from image ${i + 2}.`,
  );
  return [
    `Image 1 is a photo of ${people}. ${avatars} of other people.`,
    'Edit image 1 so that each person in it becomes the person from their assigned portrait:',
    ...lines,
    "Each new face must clearly be the portrait's person (face shape, features, skin tone, hair), not the original person.",
    'Keep everything else from image 1: the pose, head angle and expression of each person, their clothing and body, the background, the lighting and the camera framing.',
    'Do not add, remove or move anyone.',
  ].join('\n');
}
