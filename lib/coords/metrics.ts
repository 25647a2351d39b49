/**
 * Errors of coordinate predictions in percent of the image size (reference §4.5 "dist" and §4.7
 * step 2): the mean |target − prediction| × 100 over present coordinates, and per series the same
 * mean over its present levels, with the share of series above 3, 4 and 5 %.
 */
import { N_COORDS, type Keypoints } from './types.js';

/** Error thresholds (%) the reference counts series against. */
export const ERROR_THRESHOLDS = [3, 4, 5] as const;

export interface CoordsErrors {
  /** Mean absolute error over all present coordinates, in % of the image size. */
  meanError: number;
  /** Series with at least one labelled level. */
  nSeries: number;
  /** Per series mean error (%) (NaN for series without labels), aligned with the input. */
  perSeries: Float64Array;
  /** Share of labelled series whose error exceeds 3, 4, 5 %. */
  over: { 3: number; 4: number; 5: number };
}

/** Per-series mean absolute error in % over present coordinates; NaN when nothing is labelled. */
export function seriesError(target: ArrayLike<number>, pred: ArrayLike<number>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < target.length; i++) {
    if (!(target[i] >= 0)) continue; // NaN or the reference's −1
    sum += Math.abs(target[i] - pred[i]) * 100;
    n++;
  }
  return n ? sum / n : NaN;
}

/** Errors of `preds` (n × 10) against `targets` (n × 10), row-aligned. */
export function coordsErrors(targets: readonly Keypoints[], preds: ArrayLike<number>): CoordsErrors {
  const width = N_COORDS;
  const perSeries = new Float64Array(targets.length);
  let sum = 0;
  let count = 0;
  const over = { 3: 0, 4: 0, 5: 0 };
  let nSeries = 0;
  targets.forEach((t, r) => {
    const p = Array.prototype.slice.call(preds, r * width, (r + 1) * width) as number[];
    for (let i = 0; i < width; i++) {
      if (t[i] >= 0) {
        sum += Math.abs(t[i] - p[i]) * 100;
        count++;
      }
    }
    const d = seriesError(t, p);
    perSeries[r] = d;
    if (Number.isNaN(d)) return;
    nSeries++;
    for (const th of ERROR_THRESHOLDS) if (d > th) over[th]++;
  });
  for (const th of ERROR_THRESHOLDS) over[th] = nSeries ? over[th] / nSeries : NaN;
  return { meanError: count ? sum / count : NaN, nSeries, perSeries, over };
}
