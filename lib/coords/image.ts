/**
 * The coordinates model's view of a series: its middle slice as the reference's 8-bit image
 * (reference §2.3 / §4.1). The pixel kernels are in lib/image.
 */
import type { NdArray, NpyArray } from '../core/npy.js';
import { ArtefactError } from '../core/errors.js';
import type { Image } from '../image/index.js';

/**
 * numpy's default (`linear`) percentile of `values`, `p` in [0, 100]: sort, then interpolate
 * between the two order statistics around `p/100 · (n − 1)`.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (n === 0) throw new ArtefactError('percentile of an empty array');
  const sorted = Float64Array.from(values).sort();
  const pos = (p / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  // numpy's lerp form: a + (b − a)·t (with the symmetric branch for t ≥ 0.5).
  const a = sorted[lo];
  const b = sorted[hi];
  return frac >= 0.5 ? b - (b - a) * (1 - frac) : a + (b - a) * frac;
}

/**
 * The reference's 8-bit image of one slice: clip to [min, 98th percentile] (linear-interpolated),
 * min–max scale to [0, 1] (only subtract the minimum when max = min), ×255, truncate to uint8.
 * Porting note: the Coords notebook lacks the max = min guard that Inference has (§11 item 11);
 * both our training and inference images use the guarded version.
 */
export function toUint8Clipped(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  let min = Infinity;
  for (let i = 0; i < n; i++) if (values[i] < min) min = values[i];
  const hi = percentile(values, 98);
  // After np.clip(img, min, p98) the array's min is `min` and its max is `p98` (p98 ≤ max).
  const range = hi - min;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = Math.min(Math.max(values[i], min), hi);
    const s = range > 0 ? (v - min) / range : v - min;
    out[i] = Math.trunc(s * 255);
  }
  return out;
}

/** Slice `z` of a (slices × rows × cols) stack, as a view (no copy). */
export function sliceOf(stack: NdArray, z: number): Image<NpyArray> {
  if (stack.shape.length !== 3) throw new ArtefactError(`expected a (slices, rows, cols) stack, got shape [${stack.shape.join(', ')}]`);
  const [d, h, w] = stack.shape;
  if (z < 0 || z >= d) throw new ArtefactError(`slice ${z} out of range for a stack of ${d} slices`);
  return { data: stack.data.subarray(z * h * w, (z + 1) * h * w) as NpyArray, channels: 1, height: h, width: w };
}

/** Middle slice floor(n/2) of a stack, clipped and scaled to 8 bits (the reference's PNG). */
export function middleSliceU8(stack: NdArray): Image<Uint8Array> {
  const s = sliceOf(stack, Math.floor(stack.shape[0] / 2));
  return { data: toUint8Clipped(s.data), channels: 1, height: s.height, width: s.width };
}
