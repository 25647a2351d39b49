/**
 * Crop boxes around the disc centres (reference §4.7 step 3, §8.2 step 3) and the "fixed" coords of
 * the training crop set. Pure functions.
 */
import type { NdArray, NpyArray } from '../core/npy.js';
import { LEVELS } from '../data/vocabulary.js';

/** A box in pixels of the slice, half-open: columns [x0, x1), rows [y0, y1). */
export interface CropBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** True when the box around the centre was empty or degenerate and the whole slice is used. */
  fallback: boolean;
}

/**
 * The reference's box: [u − δ, v − δ, u + δ, v + δ] in relative units, clipped to [0, 1], then
 * x × W and y × H truncated to integers. So the box is 2δ of the width by 2δ of the height.
 * A box narrower or lower than 2 pixels (including a missing / non-finite centre) falls back to
 * the whole slice, reported through `fallback`.
 * Porting note: the reference asserts h, w > 1 when making training crops and falls back to the
 * whole stack below 1 pixel at inference; we fall back (and report) in both cases.
 */
export function cropBox(u: number, v: number, width: number, height: number, delta: number): CropBox {
  const clip = (t: number) => Math.min(Math.max(t, 0), 1);
  const x0 = Math.trunc(clip(u - delta) * width);
  const y0 = Math.trunc(clip(v - delta) * height);
  const x1 = Math.trunc(clip(u + delta) * width);
  const y1 = Math.trunc(clip(v + delta) * height);
  const ok = Number.isFinite(u) && Number.isFinite(v) && x1 - x0 > 1 && y1 - y0 > 1;
  return ok ? { x0, y0, x1, y1, fallback: false } : { x0: 0, y0: 0, x1: width, y1: height, fallback: true };
}

/**
 * Coords of the "fixed" training set: for each level with ground truth, a prediction whose L1
 * distance |Δu| + |Δv| to it exceeds `threshold` (reference 0.03) is replaced by the ground truth.
 * Levels without ground truth keep the prediction. Returns a new array.
 */
export function fixCoords(pred: ArrayLike<number>, truth: ArrayLike<number>, threshold: number): Float32Array {
  const out = Float32Array.from(pred);
  for (let p = 0; p < out.length / 2; p++) {
    const tu = truth[2 * p];
    const tv = truth[2 * p + 1];
    if (!(tu >= 0 && tv >= 0)) continue; // missing (NaN or −1)
    if (Math.abs(out[2 * p] - tu) + Math.abs(out[2 * p + 1] - tv) > threshold) {
      out[2 * p] = tu;
      out[2 * p + 1] = tv;
    }
  }
  return out;
}

/** stack[:, y0:y1, x0:x1] of a (slices × rows × cols) stack, same dtype, copied. */
export function cropStack(stack: NdArray, box: CropBox): NdArray {
  const [d, h, w] = stack.shape;
  if (stack.shape.length !== 3) throw new Error(`cropStack: expected a (slices, rows, cols) stack, got [${stack.shape.join(', ')}]`);
  if (box.x0 < 0 || box.y0 < 0 || box.x1 > w || box.y1 > h || box.x1 <= box.x0 || box.y1 <= box.y0) {
    throw new Error(`cropStack: box [${box.x0}, ${box.y0}, ${box.x1}, ${box.y1}] does not fit a ${h}×${w} slice`);
  }
  const ch = box.y1 - box.y0;
  const cw = box.x1 - box.x0;
  const out = new (stack.data.constructor as { new (n: number): NpyArray })(d * ch * cw);
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < ch; y++) {
      const src = (z * h + box.y0 + y) * w + box.x0;
      out.set(stack.data.subarray(src, src + cw), (z * ch + y) * cw);
    }
  }
  return { data: out, shape: [d, ch, cw], dtype: stack.dtype };
}

/** The 5 boxes and crops of one stack from its relative centres. */
export function cropSeries(stack: NdArray, centres: ArrayLike<number>, delta: number): Array<{ box: CropBox; crop: NdArray }> {
  const [, h, w] = stack.shape;
  return LEVELS.map((_, l) => {
    const box = cropBox(centres[2 * l], centres[2 * l + 1], w, h, delta);
    return { box, crop: cropStack(stack, box) };
  });
}
