/** The label the arena and its leaderboard group outputs by: the item's variant (docs/suites.md). */
export function variantOf(item: { variant: string }): string {
  return item.variant;
}
