import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic.js';
import { ArtefactError } from './errors.js';

/** The typed arrays an `.npy` file maps to (numpy's dtype kept, as the reference's stacks do). */
export type NpyArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;
export type NpyDtype = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/** An n-d array in C order: `data.length === shape.reduce(×)`. */
export interface NdArray<T extends NpyArray = NpyArray> {
  data: T;
  shape: number[];
  dtype: NpyDtype;
}

const DESCR: Record<NpyDtype, { code: string; size: number; make: (n: number) => NpyArray }> = {
  uint8: { code: 'u1', size: 1, make: (n) => new Uint8Array(n) },
  int8: { code: 'i1', size: 1, make: (n) => new Int8Array(n) },
  uint16: { code: 'u2', size: 2, make: (n) => new Uint16Array(n) },
  int16: { code: 'i2', size: 2, make: (n) => new Int16Array(n) },
  uint32: { code: 'u4', size: 4, make: (n) => new Uint32Array(n) },
  int32: { code: 'i4', size: 4, make: (n) => new Int32Array(n) },
  float32: { code: 'f4', size: 4, make: (n) => new Float32Array(n) },
  float64: { code: 'f8', size: 8, make: (n) => new Float64Array(n) },
};

/**
 * The middle element along the first axis, index floor(n/2) (the reference's centre slice of a
 * stack, crop or frame sequence), as a view: no copy.
 */
export function middleSlice<T extends NpyArray>(a: NdArray<T>): NdArray<T> {
  const [n, ...rest] = a.shape;
  const size = rest.reduce((p, q) => p * q, 1);
  const mid = Math.floor(n / 2);
  return { data: a.data.subarray(mid * size, (mid + 1) * size) as T, shape: rest, dtype: a.dtype };
}

export function dtypeOf(a: NpyArray): NpyDtype {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float32Array) return 'float32';
  return 'float64';
}

/** Parse `.npy` bytes (format 1.0–3.0, C order, any byte order) into a native typed array. */
export function parseNpy(bytes: Uint8Array, file = '<buffer>'): NdArray {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== '\x93NUMPY') throw new ArtefactError('not an .npy file (bad magic)', { file });
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shapeM = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) throw new ArtefactError(`unreadable .npy header ${header.trim()}`, { file });
  if (fortran[1] === 'True') throw new ArtefactError('Fortran-order .npy is not supported', { file });
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((k) => DESCR[k].code === descr[2]);
  if (!dtype) throw new ArtefactError(`unsupported .npy dtype ${descr[1]}${descr[2]}`, { file });
  const shape = shapeM[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const { size, make } = DESCR[dtype];
  const offset = start + headerLen;
  if (bytes.byteLength - offset < n * size) throw new ArtefactError(`truncated .npy: ${n * size} data bytes expected, ${bytes.byteLength - offset} found`, { file });
  const out = make(n);
  const outBytes = new Uint8Array(out.buffer);
  outBytes.set(bytes.subarray(offset, offset + n * size));
  if (descr[1] === '>' && size > 1) {
    for (let i = 0; i < outBytes.length; i += size) outBytes.subarray(i, i + size).reverse();
  }
  return { data: out, shape, dtype };
}

export function readNpy(file: string): NdArray {
  return parseNpy(readFileSync(file), file);
}

/** Serialise to `.npy` 1.0 bytes (little endian, C order), readable by `numpy.load`. */
export function encodeNpy(arr: { data: NpyArray; shape: readonly number[] }): Uint8Array {
  const dtype = dtypeOf(arr.data);
  const n = arr.shape.reduce((a, b) => a * b, 1);
  if (n !== arr.data.length) throw new ArtefactError(`encodeNpy: shape ${JSON.stringify(arr.shape)} holds ${n} values, data has ${arr.data.length}`);
  const { code, size } = DESCR[dtype];
  const shapeStr = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${size === 1 ? '|' : '<'}${code}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + n * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Typed arrays are little endian on every platform Node runs on.
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, n * size), 10 + header.length);
  return out;
}

/** Write an `.npy` file atomically. */
export function writeNpy(file: string, arr: { data: NpyArray; shape: readonly number[] }): void {
  writeFileAtomic(file, encodeNpy(arr));
}
