import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/engine/index.js';
import { Rng } from '../../lib/core/rng.js';

/** Inputs as plain arrays so each backend builds its own tensors. */
export interface Raw {
  shape: number[];
  data: Float32Array | Int32Array;
  dtype?: 'float32' | 'int32';
}

export function randn(rng: Rng, shape: number[], relu = false): Raw {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = rng.normal();
    data[i] = relu ? Math.max(0, v) : v;
  }
  return { shape, data };
}

/** max |a − b| / max |b|: the relative error used throughout (≤ 1e-4 in float32). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

export interface Outputs {
  shapes: number[][];
  values: Float32Array[];
}

/** Run `fn` on the given backend with fresh tensors from `raws`; returns shapes and values. */
export async function runOn(backend: 'cpu' | 'wasm', raws: Raw[], fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Outputs> {
  await initBackend(backend);
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = raws.map((r) => tf.tensor(r.data, r.shape, r.dtype ?? 'float32'));
    const out = fn(...xs);
    const outs = Array.isArray(out) ? out : [out];
    return { shapes: outs.map((t) => t.shape), values: outs.map((t) => Float32Array.from(t.dataSync())) };
  });
}

/** Same computation on cpu and wasm: shapes must agree; returns the worst relative error. */
export async function compareBackends(raws: Raw[], fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<{ err: number; cpu: Outputs; wasm: Outputs }> {
  const cpu = await runOn('cpu', raws, fn);
  const wasm = await runOn('wasm', raws, fn);
  if (JSON.stringify(cpu.shapes) !== JSON.stringify(wasm.shapes)) throw new Error(`shape mismatch: cpu ${JSON.stringify(cpu.shapes)} vs wasm ${JSON.stringify(wasm.shapes)}`);
  const err = Math.max(...cpu.values.map((v, i) => relErr(wasm.values[i], v)));
  return { err, cpu, wasm };
}
