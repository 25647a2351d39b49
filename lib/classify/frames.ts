/**
 * Turning a raw crop stack into the frames a 2.5-D classifier sees.
 * Reference: src/data/dataset.py::CropDataset.__getitem__ and get_frames (stride 1, frames_chanel 1).
 */
import type { NdArray } from '../core/npy.js';
import { ArtefactError } from '../core/errors.js';

/** A crop stack min–max scaled to 8 bits: `data` is slices × height × width, C order. */
export interface Stack8 {
  data: Uint8Array;
  slices: number;
  height: number;
  width: number;
}

/**
 * Min–max scale the WHOLE 3-D crop (all slices together) to [0, 255] and truncate to uint8.
 * If max = min only the min is subtracted (all zeros), as the reference does.
 */
export function scaleStackTo8Bit(stack: NdArray, file = '<crop>'): Stack8 {
  if (stack.shape.length !== 3) throw new ArtefactError(`crop must be 3-D (slices × rows × cols), got shape [${stack.shape.join(', ')}]`, { file });
  const [slices, height, width] = stack.shape;
  if (slices < 1 || height < 2 || width < 2) throw new ArtefactError(`crop too small: shape [${stack.shape.join(', ')}]`, { file });
  const src = stack.data;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Uint8Array(src.length);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < src.length; i++) out[i] = Math.trunc((src[i] - lo) * scale);
  return { data: out, slices, height, width };
}

/** Centre slice of a stack: `4·L // 8` (the reference's "Center" side code; = floor(L/2)). */
export function centreSlice(nSlices: number): number {
  return Math.floor((4 * nSlices) / 8);
}

/** Largest training jitter of the centre: ±1 for ≤ 3 frames, ±2 otherwise (reference). */
export function jitterLimit(nFrames: number): number {
  return nFrames <= 3 ? 1 : 2;
}

/**
 * The 3·n slice indices of n frames around the centre (+ jitter), each frame being the channel
 * triplet (f−1, f, f+1). If the lowest index is < 0 everything shifts up to 0; otherwise, if the
 * highest exceeds L−1, everything shifts down to L−1; finally indices are clipped to [0, L−1], which
 * repeats edge slices for short stacks. Returned flat: frame-major, channel-minor.
 */
export function frameIndices(nSlices: number, nFrames: number, jitter = 0): Int32Array {
  if (nSlices < 1) throw new RangeError(`frameIndices: stack has ${nSlices} slices`);
  if (!Number.isInteger(nFrames) || nFrames < 1) throw new RangeError(`frameIndices: nFrames must be a positive integer, got ${nFrames}`);
  const centre = centreSlice(nSlices) + jitter;
  const first = centre - Math.floor(nFrames / 2);
  const idx = new Int32Array(3 * nFrames);
  for (let f = 0; f < nFrames; f++) for (let c = 0; c < 3; c++) idx[3 * f + c] = first + f + c - 1;
  const lo = idx[0];
  const hi = idx[idx.length - 1];
  const shift = lo < 0 ? -lo : hi > nSlices - 1 ? nSlices - 1 - hi : 0;
  for (let i = 0; i < idx.length; i++) idx[i] = Math.min(nSlices - 1, Math.max(0, idx[i] + shift));
  return idx;
}

/**
 * Gather slices into a planar float image: channel k of the result is slice `indices[k]` / 255,
 * shape (channels = indices.length) × height × width.
 */
export function gatherChannels(stack: Stack8, indices: Int32Array): Float32Array {
  const plane = stack.height * stack.width;
  const out = new Float32Array(indices.length * plane);
  for (let k = 0; k < indices.length; k++) {
    const s = indices[k];
    if (s < 0 || s >= stack.slices) throw new RangeError(`gatherChannels: slice ${s} outside [0, ${stack.slices - 1}]`);
    const src = stack.data.subarray(s * plane, (s + 1) * plane);
    const dst = out.subarray(k * plane, (k + 1) * plane);
    for (let i = 0; i < plane; i++) dst[i] = src[i] / 255;
  }
  return out;
}
