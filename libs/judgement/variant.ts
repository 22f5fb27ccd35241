/**
 * The label the arena and its leaderboard group outputs by. Items do not carry a variant label yet, so
 * a variant is its tool; when they do, this is the one line to change.
 */
export function variantOf(item: { tool_id: string }): string {
  return item.tool_id;
}
