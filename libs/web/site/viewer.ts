import type { SignedIn } from '../../accounts/accounts.service';
import { UserError } from '../../core/user-error';
import { ANONYMOUS, raterSchema } from '../../ratings/rater';

/**
 * Who looks at a run fragment, and whether blind: `?rater=<name>&blind=1`. In team mode the rater is the
 * signed-in account, whatever the query says.
 */
export interface Viewer {
  rater: string;
  blind: boolean;
}

export function viewerOf(query: Record<string, unknown>, account: SignedIn | null = null): Viewer {
  const raw = query.rater;
  let rater = account?.name ?? ANONYMOUS;
  if (!account && raw !== undefined && raw !== '') {
    const parsed = raterSchema.safeParse(raw);
    if (!parsed.success) throw new UserError(`rater: ${parsed.error.issues[0].message}`);
    rater = parsed.data;
  }
  return { rater, blind: query.blind === '1' || query.blind === 'true' };
}
