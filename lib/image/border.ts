/** Pixel indices outside an image, as OpenCV's border modes resolve them. */

/** BORDER_REFLECT_101 (cv2's default): …, 2, 1 | 0, 1, …, n−1 | n−2, … */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

/** BORDER_REPLICATE: the edge pixel repeats. */
export function replicate(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

export type Border = 'reflect101' | 'replicate';

/** Source index of each padded position −r … n−1+r, a lookup table for the filters. */
export function borderTable(n: number, r: number, border: Border): Int32Array {
  const f = border === 'reflect101' ? reflect101 : replicate;
  return Int32Array.from({ length: n + 2 * r }, (_, i) => f(i - r, n));
}
