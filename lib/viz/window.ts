/** Intensity windows of MRI values for display (no IO: the browser page uses them too). */

/** Intensity window: either bounds or the radiology centre/width form. */
export type Window = { lo: number; hi: number } | { center: number; width: number };

export function windowBounds(w: Window): { lo: number; hi: number } {
  return 'lo' in w ? { lo: w.lo, hi: w.hi } : { lo: w.center - w.width / 2, hi: w.center + w.width / 2 };
}

/**
 * Percentile window (default 0.5–99.5 %) over the values, ignoring non-finite ones. Large inputs
 * are subsampled (every k-th value), which moves a percentile by less than a grey level.
 */
export function percentileWindow(values: ArrayLike<number>, pLo = 0.5, pHi = 99.5): { lo: number; hi: number } {
  const step = Math.max(1, Math.floor(values.length / 200_000));
  const xs: number[] = [];
  for (let i = 0; i < values.length; i += step) if (Number.isFinite(values[i])) xs.push(values[i]);
  if (xs.length === 0) return { lo: 0, hi: 1 };
  xs.sort((a, b) => a - b);
  const at = (p: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.round((p / 100) * (xs.length - 1))))];
  const lo = at(pLo);
  const hi = at(pHi);
  return hi > lo ? { lo, hi } : { lo, hi: lo + 1 };
}

/** Map values to 0..255 through the window (clamped); NaN becomes 0. */
export function toUint8(values: ArrayLike<number>, window: { lo: number; hi: number }): Uint8Array {
  const out = new Uint8Array(values.length);
  const scale = 255 / (window.hi - window.lo || 1);
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] - window.lo) * scale;
    out[i] = v > 255 ? 255 : v > 0 ? Math.round(v) : 0;
  }
  return out;
}
