/**
 * Bilinear resize of one slice, OpenCV INTER_LINEAR conventions (pixel centres aligned: source
 * x = (dst x + 0.5) · scale − 0.5, clamped at the borders; integer outputs rounded and saturated).
 * Used only for the odd-shaped slices of a series (reference §2.2).
 */
import type { NpyArray } from '../core/npy.js';

const RANGE: Record<string, [number, number]> = {
  Uint8Array: [0, 255], Int8Array: [-128, 127], Uint16Array: [0, 65535], Int16Array: [-32768, 32767],
  Uint32Array: [0, 4294967295], Int32Array: [-2147483648, 2147483647],
};

/** Resize `src` (srcRows × srcCols) into `dst` (dstRows × dstCols, same element type family). */
export function resizeBilinear(src: NpyArray, srcRows: number, srcCols: number, dst: NpyArray, dstRows: number, dstCols: number): void {
  const range = RANGE[dst.constructor.name];
  const sy = srcRows / dstRows;
  const sx = srcCols / dstCols;
  const x0 = new Int32Array(dstCols);
  const fx = new Float64Array(dstCols);
  for (let x = 0; x < dstCols; x++) {
    const s = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), srcCols - 1);
    x0[x] = Math.min(Math.floor(s), srcCols - 2 < 0 ? 0 : srcCols - 2);
    fx[x] = srcCols === 1 ? 0 : s - x0[x];
  }
  for (let y = 0; y < dstRows; y++) {
    const s = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), srcRows - 1);
    const y0 = Math.min(Math.floor(s), srcRows - 2 < 0 ? 0 : srcRows - 2);
    const fy = srcRows === 1 ? 0 : s - y0;
    const r0 = y0 * srcCols;
    const r1 = srcRows === 1 ? r0 : r0 + srcCols;
    for (let x = 0; x < dstCols; x++) {
      const a = x0[x];
      const b = srcCols === 1 ? a : a + 1;
      const top = src[r0 + a] + (src[r0 + b] - src[r0 + a]) * fx[x];
      const bottom = src[r1 + a] + (src[r1 + b] - src[r1 + a]) * fx[x];
      const v = top + (bottom - top) * fy;
      dst[y * dstCols + x] = range ? Math.min(Math.max(Math.round(v), range[0]), range[1]) : v;
    }
  }
}
