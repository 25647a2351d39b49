/**
 * Pixel kernels of the coordinates stage: the middle-slice 8-bit image (reference §2.3 / §4.1),
 * area / bilinear resizing and a vertical flip. Pure functions over typed arrays.
 */
import type { NdArray, NpyArray } from '../core/npy.js';
import { ArtefactError } from '../core/errors.js';

/** A single-channel image in row-major order: `data.length === height × width`. */
export interface Gray<T extends ArrayLike<number> = Float32Array> {
  data: T;
  height: number;
  width: number;
}

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
export function sliceOf(stack: NdArray, z: number): Gray<NpyArray> {
  if (stack.shape.length !== 3) throw new ArtefactError(`expected a (slices, rows, cols) stack, got shape [${stack.shape.join(', ')}]`);
  const [d, h, w] = stack.shape;
  if (z < 0 || z >= d) throw new ArtefactError(`slice ${z} out of range for a stack of ${d} slices`);
  return { data: stack.data.subarray(z * h * w, (z + 1) * h * w) as NpyArray, height: h, width: w };
}

/** Middle slice floor(n/2) of a stack, clipped and scaled to 8 bits (the reference's PNG). */
export function middleSliceU8(stack: NdArray): Gray<Uint8Array> {
  const s = sliceOf(stack, Math.floor(stack.shape[0] / 2));
  return { data: toUint8Clipped(s.data), height: s.height, width: s.width };
}

/**
 * Resize to (height, width). Shrinking averages each output pixel's exact footprint (OpenCV
 * INTER_AREA); enlarging interpolates bilinearly with half-pixel centres (OpenCV INTER_LINEAR).
 * Porting note: the reference resizes with INTER_LINEAR both ways (to 384 px, a mild shrink); our
 * small models shrink 3–5×, where plain bilinear sampling aliases, so we average instead.
 */
export function resize(img: Gray<ArrayLike<number>>, height: number, width: number): Gray {
  const rows = axisWeights(img.height, height);
  const cols = axisWeights(img.width, width);
  const tmp = new Float32Array(img.height * width);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const { idx, w } = cols[x];
      let acc = 0;
      for (let k = 0; k < idx.length; k++) acc += w[k] * img.data[y * img.width + idx[k]];
      tmp[y * width + x] = acc;
    }
  }
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    const { idx, w } = rows[y];
    for (let k = 0; k < idx.length; k++) {
      const src = idx[k] * width;
      const wk = w[k];
      for (let x = 0; x < width; x++) out[y * width + x] += wk * tmp[src + x];
    }
  }
  return { data: out, height, width };
}

/** Per output index: source indices and weights along one axis. */
function axisWeights(nIn: number, nOut: number): Array<{ idx: number[]; w: number[] }> {
  const scale = nIn / nOut;
  const out: Array<{ idx: number[]; w: number[] }> = [];
  for (let o = 0; o < nOut; o++) {
    if (scale > 1) {
      // Area: the footprint [o·scale, (o+1)·scale) in source pixels, fractional at both ends.
      const a = o * scale;
      const b = (o + 1) * scale;
      const idx: number[] = [];
      const w: number[] = [];
      for (let i = Math.floor(a); i < Math.ceil(b) && i < nIn; i++) {
        const overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 1e-12) { idx.push(i); w.push(overlap / scale); }
      }
      out.push({ idx, w });
    } else {
      // Bilinear with half-pixel centres, edge-clamped.
      const s = (o + 0.5) * scale - 0.5;
      const i0 = Math.floor(s);
      const t = s - i0;
      const c0 = Math.min(Math.max(i0, 0), nIn - 1);
      const c1 = Math.min(Math.max(i0 + 1, 0), nIn - 1);
      out.push(c0 === c1 ? { idx: [c0], w: [1] } : { idx: [c0, c1], w: [1 - t, t] });
    }
  }
  return out;
}

/** Upside-down copy (row r → row H − 1 − r). */
export function flipVertical<T extends Uint8Array | Float32Array>(img: Gray<T>): Gray<T> {
  const out = new (img.data.constructor as { new (n: number): T })(img.data.length);
  for (let y = 0; y < img.height; y++) {
    out.set(img.data.subarray((img.height - 1 - y) * img.width, (img.height - y) * img.width), y * img.width);
  }
  return { data: out, height: img.height, width: img.width };
}
