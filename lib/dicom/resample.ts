/**
 * Resizing one slice of a series into the stack's common shape: cv2.resize(INTER_LINEAR) (lib/image),
 * integer outputs rounded and saturated. Used only for the odd-shaped slices of a series (reference §2.2).
 */
import type { NpyArray } from '../core/npy.js';
import { resize } from '../image/index.js';

const RANGE: Record<string, [number, number]> = {
  Uint8Array: [0, 255], Int8Array: [-128, 127], Uint16Array: [0, 65535], Int16Array: [-32768, 32767],
  Uint32Array: [0, 4294967295], Int32Array: [-2147483648, 2147483647],
};

/** Resize `src` (srcRows × srcCols) into `dst` (dstRows × dstCols, same element type family). */
export function resizeBilinear(src: NpyArray, srcRows: number, srcCols: number, dst: NpyArray, dstRows: number, dstCols: number): void {
  const range = RANGE[dst.constructor.name];
  // Float64 keeps 32-bit integer pixels exact.
  const r = resize({ data: src, channels: 1, height: srcRows, width: srcCols }, { height: dstRows, width: dstCols }, 'linear', new Float64Array(dstRows * dstCols)).data;
  for (let i = 0; i < r.length; i++) dst[i] = range ? Math.min(Math.max(Math.round(r[i]), range[0]), range[1]) : r[i];
}
