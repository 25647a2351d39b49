import { type Attrs, type Backend, type Info, alloc, floatOffset, free, heapF32, heapWindow, releaseWindow, run, size } from './util.js';

/**
 * BatchMatMul / _FusedMatMul with transpose flags (Dense and GRU/LSTM gradients: dyᵀ·x, dy·Wᵀ).
 * Stock WASM takes XNNPACK only without transpose flags and with batch 1, otherwise a blocked
 * scalar loop. For batch 1 we transpose explicitly (one XNN-speed copy) and call the stock kernel
 * without flags; a batched BatchMatMul goes through {@link batched}.
 */
function withoutFlags(name: 'BatchMatMul' | '_FusedMatMul', { inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { a, b } = inputs;
  const tA = Boolean(attrs.transposeA);
  const tB = Boolean(attrs.transposeB);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return run(backend, name, inputs, attrs);
  const batch1 = size(a.shape.slice(0, -2)) === 1 && size(b.shape.slice(0, -2)) === 1;
  if (!batch1) return name === 'BatchMatMul' ? batched(backend, a, b, tA, tB) ?? run(backend, name, inputs, attrs) : run(backend, name, inputs, attrs);
  if (!tA && !tB) return run(backend, name, inputs, attrs);
  const aT = tA ? swapLast(backend, a) : null;
  const bT = tB ? swapLast(backend, b) : null;
  const out = run(backend, name, { ...inputs, a: aT ?? a, b: bT ?? b }, { ...attrs, transposeA: false, transposeB: false });
  free(backend, aT, bT);
  return out;
}

function swapLast(backend: Backend, x: Info): Info {
  const r = x.shape.length;
  return run(backend, 'Transpose', { x }, { perm: [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2] });
}

/**
 * A batched product (attention: q·kᵀ and attn·v per head, and their gradients) as one XNNPACK
 * matmul per batch element over heap windows, instead of stock's scalar loop (≈30× slower at
 * [16, 576, 32]·[16, 32, 576]). Both operands must have the same batch shape, or one a batch of 1
 * (broadcast); anything else returns null and takes the stock kernel.
 */
function batched(backend: Backend, a: Info, b: Info, tA: boolean, tB: boolean): Info | null {
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const nA = size(batchA);
  const nB = size(batchB);
  const same = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
  if (!same && nA !== 1 && nB !== 1) return null;
  const aN = tA ? swapLast(backend, a) : a;
  const bN = tB ? swapLast(backend, b) : b;
  const [M, K] = aN.shape.slice(-2);
  const N = bN.shape[bN.shape.length - 1];
  const n = Math.max(nA, nB);
  const out = alloc(backend, [...(nA >= nB ? batchA : batchB), M, N]);
  for (let i = 0; i < n; i++) {
    const wa = heapWindow(backend, aN, nA === 1 ? 0 : i * M * K, [1, M, K]);
    const wb = heapWindow(backend, bN, nB === 1 ? 0 : i * K * N, [1, K, N]);
    const r = run(backend, 'BatchMatMul', { a: wa, b: wb }, { transposeA: false, transposeB: false });
    const h = heapF32(backend);
    const src = floatOffset(backend, r);
    h.copyWithin(floatOffset(backend, out) + i * M * N, src, src + M * N);
    free(backend, r);
    releaseWindow(backend, wa);
    releaseWindow(backend, wb);
  }
  if (aN !== a) free(backend, aN);
  if (bN !== b) free(backend, bN);
  return out;
}

export const batchMatMul = (args: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info => withoutFlags('BatchMatMul', args);
export const fusedMatMul = (args: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info => withoutFlags('_FusedMatMul', args);
