import { type Attrs, type Backend, type Info, free, run, size } from './util.js';

/**
 * BatchMatMul / _FusedMatMul with transpose flags (Dense and GRU/LSTM gradients: dyᵀ·x, dy·Wᵀ).
 * Stock WASM takes XNNPACK only without transpose flags and with batch 1, otherwise a blocked
 * scalar loop. For batch 1 we transpose explicitly (one XNN-speed copy) and call the stock kernel
 * without flags.
 */
function withoutFlags(name: 'BatchMatMul' | '_FusedMatMul', { inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { a, b } = inputs;
  const tA = Boolean(attrs.transposeA);
  const tB = Boolean(attrs.transposeB);
  const batch1 = size(a.shape.slice(0, -2)) === 1 && size(b.shape.slice(0, -2)) === 1;
  if ((!tA && !tB) || !batch1 || a.dtype !== 'float32' || b.dtype !== 'float32') return run(backend, name, inputs, attrs);
  const swapLast = (x: Info): Info => {
    const r = x.shape.length;
    return run(backend, 'Transpose', { x }, { perm: [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2] });
  };
  const aT = tA ? swapLast(a) : null;
  const bT = tB ? swapLast(b) : null;
  const out = run(backend, name, { ...inputs, a: aT ?? a, b: bT ?? b }, { ...attrs, transposeA: false, transposeB: false });
  free(backend, aT, bT);
  return out;
}

export const batchMatMul = (args: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info => withoutFlags('BatchMatMul', args);
export const fusedMatMul = (args: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info => withoutFlags('_FusedMatMul', args);
