import * as tf from '@tensorflow/tfjs';
import { type Attrs, type Backend, type Info, alloc, floatOffset, heapAny, heapF32, run, size } from './util.js';

type Numeric = Float32Array | Int32Array | Uint8Array;

/**
 * Generic strided copy on heap views: out[o] = x[begin + o·step] per axis (step may be negative).
 * Trailing axes that are copied whole with step 1 are merged, so the inner loop is one long
 * `set()` run. This replaces stock Slice (which first copies the *whole* input out of the heap
 * with readSync), StridedSlice and Reverse (per-element C++ loops).
 */
export function sliceInfo(backend: Backend, x: Info, begin: number[], step: number[], outShape: number[]): Info {
  const out = alloc(backend, outShape, x.dtype);
  if (size(outShape) === 0) return out;
  if (x.dtype === 'float32' || x.dtype === 'int32') {
    // 4-byte elements: copy within one heap-wide view (bytes move as they are, ints included).
    const h = heapF32(backend);
    stridedCopy(h, floatOffset(backend, x), x.shape, begin, step, outShape, h, floatOffset(backend, out));
  } else {
    stridedCopy(heapAny(backend, x), 0, x.shape, begin, step, outShape, heapAny(backend, out), 0);
  }
  return out;
}

function stridedCopy(src: Numeric, srcOff: number, shape: number[], begin: number[], step: number[], outShape: number[], dst: Numeric, dstOff: number): void {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  // Merge trailing axes copied whole with step 1 into one run.
  let inner = rank - 1;
  let run = outShape[rank - 1];
  if (step[rank - 1] === 1) {
    while (inner > 0 && outShape[inner] === shape[inner] && begin[inner] === 0 && step[inner - 1] === 1) {
      inner--;
      run *= outShape[inner];
    }
  }
  const innerStep = step[inner] === 1 ? 1 : step[inner] * strides[inner];
  const runLen = step[inner] === 1 ? run : outShape[inner];
  const contiguous = step[inner] === 1;
  const outer = outShape.slice(0, inner);
  const idx = new Array<number>(inner).fill(0);
  const nOuter = size(outer);
  const same = src === dst;
  let d = dstOff;
  for (let n = 0; n < nOuter; n++) {
    let off = srcOff + begin[inner] * strides[inner];
    for (let i = 0; i < inner; i++) off += (begin[i] + idx[i] * step[i]) * strides[i];
    if (contiguous) {
      if (runLen >= 8 && same) dst.copyWithin(d, off, off + runLen);
      else if (runLen >= 16) dst.set(src.subarray(off, off + runLen), d);
      else for (let k = 0; k < runLen; k++) dst[d + k] = src[off + k];
    } else {
      for (let k = 0; k < runLen; k++) dst[d + k] = src[off + k * innerStep];
    }
    d += runLen;
    for (let i = inner - 1; i >= 0; i--) {
      if (++idx[i] < outer[i]) break;
      idx[i] = 0;
    }
  }
}

export function slice({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { x } = inputs;
  if (x.dtype === 'string') return run(backend, 'Slice', inputs, attrs);
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number[], attrs.size as number[]);
  return sliceInfo(backend, x, b, b.map(() => 1), s);
}

export function stridedSlice({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { x } = inputs;
  const a = attrs as { begin: number[]; end: number[]; strides: number[]; beginMask: number; endMask: number; ellipsisMask: number; newAxisMask: number; shrinkAxisMask: number };
  const info = tf.slice_util.sliceInfo(x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
  if (x.dtype === 'string' || info.isIdentity || info.begin.length !== x.shape.length) return run(backend, 'StridedSlice', inputs, attrs);
  const outShape = tf.slice_util.computeOutShape(info.begin, info.end, info.strides);
  const out = sliceInfo(backend, x, info.begin, info.strides, outShape);
  return { ...out, shape: info.finalShape };
}

export function reverse({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { x } = inputs;
  if (x.dtype === 'string' || x.shape.length === 0) return run(backend, 'Reverse', inputs, attrs);
  const axes = new Set(tf.util.parseAxisParam(attrs.dims as number | number[], x.shape));
  const begin = x.shape.map((d, i) => (axes.has(i) ? d - 1 : 0));
  const step = x.shape.map((_, i) => (axes.has(i) ? -1 : 1));
  return sliceInfo(backend, x, begin, step, x.shape.slice());
}

/**
 * Tile (stock WASM allocates two std::vectors per element: BatchNorm's backward tiles 1/σ to the
 * activation size). Recursive block copy: the innermost row once, then `copyWithin` per rep.
 */
export function tile({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { x } = inputs;
  const reps = attrs.reps as number[];
  if (x.dtype === 'string' || x.shape.length === 0) return run(backend, 'Tile', inputs, attrs);
  const shape = x.shape;
  const outShape = shape.map((d, i) => d * reps[i]);
  const out = alloc(backend, outShape, x.dtype);
  if (size(outShape) === 0) return out;
  const src = heapAny(backend, x);
  const dst = heapAny(backend, out);
  const rank = shape.length;
  const inStr = new Array<number>(rank);
  const outStr = new Array<number>(rank);
  let a = 1;
  let o = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStr[i] = a;
    outStr[i] = o;
    a *= shape[i];
    o *= outShape[i];
  }
  const fill = (axis: number, s: number, d: number): void => {
    const block = shape[axis] * outStr[axis]; // one copy of this axis' source extent in the output
    if (axis === rank - 1) {
      for (let k = 0; k < shape[axis]; k++) dst[d + k] = src[s + k];
    } else {
      for (let k = 0; k < shape[axis]; k++) fill(axis + 1, s + k * inStr[axis], d + k * outStr[axis]);
    }
    for (let r = 1; r < reps[axis]; r++) dst.copyWithin(d + r * block, d, d + block);
  };
  fill(0, 0, 0);
  return out;
}
