/**
 * A robust scale of the residuals: 1.4826 × their median absolute value (NaN skipped), the median read
 * from a histogram of quarter grey levels, so no sort.
 */
export function robustScale(errors: Float32Array): number {
  const bins = new Uint32Array(1025);
  let n = 0;
  for (let k = 0; k < errors.length; k++) {
    const e = errors[k];
    if (Number.isNaN(e)) continue;
    bins[Math.min(1024, Math.floor(Math.abs(e) * 4))]++;
    n++;
  }
  if (n === 0) return 1;
  let seen = 0;
  let bin = 0;
  while (bin < 1024 && seen + bins[bin] <= n / 2) seen += bins[bin++];
  return Math.max(1, 1.4826 * ((bin + 0.5) / 4));
}
