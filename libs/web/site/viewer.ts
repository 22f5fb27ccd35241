import { UserError } from '../../core/user-error';
import { ANONYMOUS, raterSchema } from '../../ratings/rater';

/** Who looks at a run fragment, and whether blind: `?rater=<name>&blind=1`. */
export interface Viewer {
  rater: string;
  blind: boolean;
}

export function viewerOf(query: Record<string, unknown>): Viewer {
  const raw = query.rater;
  let rater = ANONYMOUS;
  if (raw !== undefined && raw !== '') {
    const parsed = raterSchema.safeParse(raw);
    if (!parsed.success) throw new UserError(`rater: ${parsed.error.issues[0].message}`);
    rater = parsed.data;
  }
  return { rater, blind: query.blind === '1' || query.blind === 'true' };
}
