/**
 * A tensor read from a PyTorch checkpoint: dtype, shape and its raw little-endian bytes, decoded
 * to float32 only when a weight asks for it (a 300 MB checkpoint is not copied twice).
 */
import { ArtefactError } from '../../core/errors.js';

export type TorchDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPE_BYTES: Record<TorchDtype, number> = {
  float32: 4, float16: 2, bfloat16: 2, float64: 8, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

export interface TorchTensor {
  dtype: TorchDtype;
  /** PyTorch's shape (e.g. OIHW for a conv weight). */
  shape: number[];
  /** The values in C order as float32. */
  toFloat32(): Float32Array;
}

/** Name → tensor, in the checkpoint's order (a PyTorch `state_dict`). */
export type StateDict = Map<string, TorchTensor>;

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** IEEE half → float (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Decode `n` elements of `dtype` from `bytes` (little-endian) starting at element `offset`, with
 * PyTorch element strides `stride` for `shape` (contiguous when omitted), into float32 C order.
 */
export function decodeFloat32(bytes: Uint8Array, dtype: TorchDtype, shape: number[], offset = 0, stride?: number[], file?: string): Float32Array {
  const n = numel(shape);
  const size = DTYPE_BYTES[dtype];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (i: number): number => {
    const p = i * size;
    switch (dtype) {
      case 'float32': return dv.getFloat32(p, true);
      case 'float16': return halfToFloat(dv.getUint16(p, true));
      case 'bfloat16': return new Float32Array(new Uint32Array([dv.getUint16(p, true) << 16]).buffer)[0];
      case 'float64': return dv.getFloat64(p, true);
      case 'int64': return Number(dv.getBigInt64(p, true));
      case 'int32': return dv.getInt32(p, true);
      case 'int16': return dv.getInt16(p, true);
      case 'int8': return dv.getInt8(p);
      case 'uint8': case 'bool': return dv.getUint8(p);
    }
  };
  const contiguous = contiguousStrides(shape);
  const strides = stride ?? contiguous;
  // Highest element index the view touches must lie inside the storage.
  const last = n === 0 ? offset : offset + shape.reduce((acc, d, i) => acc + (d - 1) * strides[i], 0);
  if ((last + 1) * size > bytes.byteLength) {
    throw new ArtefactError(`tensor of shape [${shape.join(', ')}] (${dtype}) reaches past its storage of ${bytes.byteLength} bytes`, { file });
  }
  const out = new Float32Array(n);
  if (dtype === 'float32' && strides.every((s, i) => s === contiguous[i]) && ((bytes.byteOffset + offset * 4) & 3) === 0) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset + offset * 4, n));
    return out;
  }
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let p = offset;
    for (let d = 0; d < shape.length; d++) p += idx[d] * strides[d];
    out[i] = read(p);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
