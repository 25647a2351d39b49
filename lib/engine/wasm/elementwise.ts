import * as tf from '@tensorflow/tfjs';
import { type Attrs, type Backend, type Info, alloc, free, heap, run } from './util.js';

/**
 * Identity: share the data with a new reference, as the CPU backend does. Stock WASM copies the
 * whole tensor, and the engine calls Identity for every tensor it saves for backward (tf.clone):
 * 85 full copies per level-2 MLP step. Kernels never write into their inputs, so sharing is safe.
 */
export function identity({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { x } = inputs;
  if (x.dtype === 'string') return run(backend, 'Identity', inputs, attrs);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function scalar(backend: Backend, v: number): Info {
  const s = alloc(backend, []);
  heap(backend, s)[0] = v;
  return s;
}

/**
 * LeakyRelu = α·x + (1−α)·relu(x), from XNNPACK-speed Multiply/Relu/Add (stock WASM LeakyRelu is
 * a scalar loop, ≈20× slower than those per element; the MLP's hidden layer is [rows, 4096]).
 */
export function leakyRelu({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { x } = inputs;
  if (x.dtype !== 'float32') return run(backend, 'LeakyRelu', inputs, attrs);
  const alpha = attrs.alpha as number;
  const a = scalar(backend, alpha);
  const b = scalar(backend, 1 - alpha);
  const ax = run(backend, 'Multiply', { a: x, b: a });
  const r = run(backend, 'Relu', { x });
  const br = run(backend, 'Multiply', { a: r, b });
  const out = run(backend, 'Add', { a: ax, b: br });
  free(backend, a, b, ax, r, br);
  return out;
}

/**
 * LeakyRelu gradient as α·dy + (1−α)·dy·step(x): the same values as tfjs's where(x > 0, dy, α·dy)
 * (step(0) = 0), without Greater-with-a-scalar and Select, both scalar loops on WASM. Registered
 * globally (gradients are not per backend); exact on every backend.
 */
export const leakyReluGrad: tf.GradConfig = {
  kernelName: 'LeakyRelu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const alpha = (attrs as unknown as { alpha: number }).alpha;
    const g = dy as tf.Tensor;
    return { x: () => tf.add(tf.mul(g, alpha), tf.mul(tf.mul(g, tf.step(x)), 1 - alpha)) };
  },
};
