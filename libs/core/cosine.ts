/**
 * Cosine similarity of two unit vectors (face embeddings): their dot product, over the shorter length.
 * Shared by the scorer's identity measure and case authoring's grouping of photos by person.
 */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) dot += a[i] * b[i];
  return dot;
}
