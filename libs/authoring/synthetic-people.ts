import { seededRandom } from '../core/seeded-random';
import { seedFor, shuffled } from './face-crop';

const AGES = ['young', 'middle-aged', 'elderly', 'teenage', 'thirty-something'];
const LOOKS = [
  'woman with short curly red hair and freckles',
  'man with a shaved head and a grey beard',
  'woman with long straight black hair and round glasses',
  'man with wavy brown hair and a moustache',
  'woman with a blonde bob and hoop earrings',
  'man with dark curly hair and a goatee',
  'woman with silver hair in a bun',
  'man with cropped blond hair and blue eyes',
  'woman with braided dark hair and a warm smile',
  'man with long black hair tied back',
  'woman with a pixie cut and a nose ring',
  'man with receding ginger hair and rosy cheeks',
];
const CLOTHES = [
  'a denim jacket',
  'a green sweater',
  'a white shirt',
  'a striped T-shirt',
  'a navy blazer',
  'a yellow raincoat',
];
const SCENES = [
  'a sunny park with trees in the background',
  'a cosy café with warm light',
  'a city street at golden hour',
  'a beach with a calm sea behind them',
  'a bright office with plants',
  'a mountain trail on a clear day',
];

/** One synthetic case to ask an image API for: the scene's people and the different people to swap in. */
export interface SyntheticPlan {
  scene: string;
  /** The fictional people shown in the template, left to right. */
  people: string[];
  /** Per person, a different fictional person whose portrait becomes the avatar. */
  avatars: string[];
}

/** Draws case `index` of a suite from `seed`: 1–3 people, all descriptions distinct. Same inputs, same plan. */
export function planSyntheticCase(seed: number, index: number): SyntheticPlan {
  const random = seededRandom(seedFor(seed, `synthetic-${index}`));
  const count = 1 + Math.floor(random() * 3);
  const looks = shuffled(LOOKS, random);
  const person = (k: number) =>
    `a ${AGES[Math.floor(random() * AGES.length)]} ${looks[k]}, wearing ${CLOTHES[Math.floor(random() * CLOTHES.length)]}`;
  const people = Array.from({ length: count }, (_, k) => person(k));
  const avatars = Array.from({ length: count }, (_, k) => person(count + k));
  return { scene: SCENES[Math.floor(random() * SCENES.length)], people, avatars };
}

/** The prompt of a template scene with exactly `plan.people.length` clearly visible faces. */
export function scenePrompt(plan: SyntheticPlan): string {
  const n = plan.people.length;
  const who = plan.people.map((p, i) => `${n > 1 ? `${ordinal(i)} from the left, ` : ''}${p}`).join('; ');
  return (
    `A photorealistic photo in ${plan.scene} of exactly ${n === 1 ? 'one person' : `${n} people`} ` +
    `${n > 1 ? 'standing side by side, ' : ''}each face fully visible, lit evenly and turned towards the camera: ${who}. ` +
    'Everyone shown is fictional, not a real person. No other people in the image.'
  );
}

/** The prompt of an avatar portrait: one fictional person, face to the camera. */
export function portraitPrompt(person: string): string {
  return (
    `A photorealistic head-and-shoulders portrait photo of ${person}, facing the camera, neutral expression, ` +
    'soft even light, plain light-grey background. A fictional person, not a real one. Only one person.'
  );
}

function ordinal(i: number): string {
  return ['first', 'second', 'third'][i] ?? `#${i + 1}`;
}
