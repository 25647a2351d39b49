import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Helpers for kernels written at the TensorInfo level on the WASM backend.
 *
 * Our kernels call other WASM kernel functions directly (no engine tensors, no tf.tidy), so the
 * refcount rules are the backend's own: a kernel output owns one reference; intermediates are
 * released with {@link free}; inputs are never released. A *view* ({@link view}) shares the
 * dataId of its source without a reference: use it only as a kernel input, never return or free
 * it. (The engine-tensor approach needs `incRef` before wrapping inputs; see the design notes.)
 */
export type Info = tf.TensorInfo;
export type Backend = BackendWasm;
export type Attrs = Record<string, unknown>;
type KernelFn = (args: { inputs: Record<string, Info>; backend: Backend; attrs?: Attrs }) => Info | Info[];

/** The stock WASM kernels, captured before we replace some of them. */
const stock = new Map<string, KernelFn>();
const stockConfigs = new Map<string, tf.KernelConfig>();
const ours = new Map<string, tf.KernelConfig>();

export function captureStock(name: string): tf.KernelConfig | undefined {
  const cfg = tf.getKernel(name, 'wasm');
  if (cfg && !stock.has(name)) {
    stock.set(name, cfg.kernelFunc as unknown as KernelFn);
    stockConfigs.set(name, cfg);
  }
  return cfg;
}

/**
 * Put the stock kernel `name` back (or remove ours when stock has none), e.g. to benchmark
 * "stock" against "ours". Returns false when we never replaced it.
 */
export function restoreStockKernel(name: string): boolean {
  if (!ours.has(name)) return false;
  const cfg = stockConfigs.get(name);
  if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  if (cfg) tf.registerKernel(cfg);
  return true;
}

/** Run the *stock* WASM kernel `name` (our replacement is never re-entered). */
export function run(backend: Backend, name: string, inputs: Record<string, Info>, attrs: Attrs = {}): Info {
  let fn = stock.get(name);
  if (!fn) {
    captureStock(name);
    fn = stock.get(name);
    if (!fn) throw new Error(`WASM kernel ${name} is not registered`);
  }
  const out = fn({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

export function free(backend: Backend, ...infos: Array<Info | null | undefined>): void {
  for (const i of infos) if (i) backend.disposeData(i.dataId);
}

/** Same data, another shape; borrowed (no reference of its own). */
export function view(info: Info, shape: number[]): Info {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** A new float32 output on the WASM heap (contents undefined until written). */
export function alloc(backend: Backend, shape: number[], dtype: tf.DataType = 'float32'): Info {
  return backend.makeOutput(shape, dtype);
}

/** A zero-filled float32 output (degenerate shapes: a gradient with an empty operand). */
export function zeros(backend: Backend, shape: number[]): Info {
  const out = alloc(backend, shape);
  heap(backend, out).fill(0);
  return out;
}

/**
 * Float32 view of a tensor on the WASM heap. Views are detached when the heap grows: take them
 * after the last allocation in a kernel.
 */
export function heap(backend: Backend, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

let heapBuffer: ArrayBufferLike | null = null;
let heapFloats = new Float32Array(0);
let heapDoubles = new Float64Array(0);

/** Renew the whole-heap views when the WASM memory has grown (its buffer is then a new one). */
function heapViews(backend: Backend): void {
  const buf = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
  if (buf === heapBuffer) return;
  heapBuffer = buf;
  heapFloats = new Float32Array(buf);
  heapDoubles = new Float64Array(buf);
}

/**
 * The whole WASM heap as floats, with {@link floatOffset}: lets copy loops use `copyWithin`
 * between tensors (memmove speed, no per-run `subarray` objects). Refetch after allocating.
 */
export function heapF32(backend: Backend): Float32Array {
  heapViews(backend);
  return heapFloats;
}

/** The whole WASM heap as doubles: moves pairs of floats (offsets = {@link floatOffset} / 2, when even). */
export function heapF64(backend: Backend): Float64Array {
  heapViews(backend);
  return heapDoubles;
}

/** Offset of a float32 tensor's first element in {@link heapF32}. */
export function floatOffset(backend: Backend, info: Info): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset / 4;
}

/** Typed view for any numeric dtype (Slice/Tile/Reverse move int32 and bool too). */
export function heapAny(backend: Backend, info: Info): Float32Array | Int32Array | Uint8Array {
  return backend.typedArrayFromHeap(info) as Float32Array | Int32Array | Uint8Array;
}

/**
 * A tensor header over existing heap memory: `shape` floats starting `floatOffset` floats into
 * `base`. Lets a kernel hand a window of one buffer to XNNPACK without copying. Release it with
 * {@link releaseWindow} (never `free`: the memory belongs to `base`), before `base` is freed.
 */
export function heapWindow(backend: Backend, base: Info, floatOffset: number, shape: number[]): Info {
  const { memoryOffset } = backend.dataIdMap.get(base.dataId)!;
  return backend.makeOutput(shape, 'float32', memoryOffset + 4 * floatOffset);
}

export function releaseWindow(backend: Backend, w: Info): void {
  const d = backend.dataIdMap.get(w.dataId);
  if (!d) return;
  backend.wasm.tfjs.disposeData(d.id);
  backend.dataIdMap.delete(w.dataId);
}

export function size(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function transpose(backend: Backend, x: Info, perm: number[]): Info {
  return run(backend, 'Transpose', { x }, { perm });
}

type WasmTranspose = (xId: number, shape: Uint8Array, rank: number, dtype: number, outId: number, perm: Uint8Array, permRank: number) => void;
const wasmTranspose = new WeakMap<Backend, WasmTranspose>();

/**
 * The stock WASM Transpose, writing into `out` (e.g. a {@link heapWindow} of a larger buffer)
 * instead of a fresh tensor: a C++ loop at ≈0.5 ns per float, against ≈3 ns for a transposing JS
 * loop. float32 only; `out` must hold `size(x.shape)` floats.
 */
export function transposeInto(backend: Backend, x: Info, perm: number[], out: Info): void {
  let fn = wasmTranspose.get(backend);
  if (!fn) {
    const cwrap = (backend.wasm as unknown as { cwrap: (name: string, ret: null, args: string[]) => WasmTranspose }).cwrap;
    fn = cwrap('Transpose', null, ['number', 'array', 'number', 'number', 'number', 'array', 'number']);
    wasmTranspose.set(backend, fn);
  }
  // As the stock kernel: drop size-1 axes (the C++ has fast paths for low ranks only).
  const shape = x.shape.filter((d) => d !== 1);
  const newPerm = perm.filter((p) => x.shape[p] !== 1).map((p) => x.shape.slice(0, p).filter((d) => d !== 1).length);
  if (newPerm.every((p, i) => p === i)) {
    // Nothing moves: a plain copy.
    const h = heapF32(backend);
    const from = floatOffset(backend, x);
    h.copyWithin(floatOffset(backend, out), from, from + size(x.shape));
    return;
  }
  const id = (i: Info) => backend.dataIdMap.get(i.dataId)!.id;
  const bytes = (v: number[]) => new Uint8Array(new Int32Array(v).buffer);
  fn(id(x), bytes(shape), shape.length, 0 /* CppDType float32 */, id(out), bytes(newPerm), newPerm.length);
}

/** Replace (or add) the WASM kernel `name`, keeping the stock setup function (cwrap bindings). */
export function replaceKernel(name: string, kernelFunc: (args: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }) => Info): void {
  captureStock(name);
  const cfg = stockConfigs.get(name);
  if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  const config = { kernelName: name, backendName: 'wasm', setupFunc: cfg?.setupFunc, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
  ours.set(name, config);
  tf.registerKernel(config);
}
