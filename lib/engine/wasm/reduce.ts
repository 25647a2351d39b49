import * as tf from '@tensorflow/tfjs';
import { type Attrs, type Backend, type Info, alloc, heap, run, size } from './util.js';

/**
 * Sum / Mean over leading or middle axes (BN statistics and gradients, bias gradients, global
 * average pooling). Stock WASM transposes the reduced axes to the end and runs a scalar loop; when
 * the reduced axes form one contiguous block that excludes the last axis, we read the input as
 * [outer, R, inner] and add whole contiguous rows of `inner` values in JS, in float64.
 * Everything else goes to the stock kernel (trailing-axis reductions are already a fast loop).
 * Why not XNNPACK average pooling with an [R, 1] window (the earlier version): its results were
 * right call by call, but in a training step it left later gradients wrong (resnet18's layer1
 * gradients 8–12 % off against PyTorch and the CPU backend; tests/backbones/timm.test.ts).
 */
function reduceFast(name: 'Sum' | 'Mean', { inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { x } = inputs;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
  const first = axes[0];
  const last = axes[axes.length - 1];
  const contiguous = axes.length > 0 && last - first + 1 === axes.length && last < rank - 1;
  if (x.dtype !== 'float32' || !contiguous || size(x.shape) === 0) return run(backend, name, inputs, attrs);
  const outer = size(x.shape.slice(0, first));
  const R = size(x.shape.slice(first, last + 1));
  const inner = size(x.shape.slice(last + 1));
  const keepDims = Boolean(attrs.keepDims);
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  if (R === 1) return run(backend, 'Reshape', { x }, { shape: outShape });
  const out = alloc(backend, outShape);
  const xv = heap(backend, x);
  const ov = heap(backend, out);
  const acc = new Float64Array(inner);
  const scale = name === 'Mean' ? 1 / R : 1;
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let r = 0; r < R; r++) {
      const base = (o * R + r) * inner;
      for (let i = 0; i < inner; i++) acc[i] += xv[base + i];
    }
    for (let i = 0; i < inner; i++) ov[o * inner + i] = acc[i] * scale;
  }
  return out;
}

export const sum = (args: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info => reduceFast('Sum', args);
export const mean = (args: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info => reduceFast('Mean', args);

/** Sum over axis `axis` of a float32 tensor we own or borrow; returns a new tensor. */
export function sumAxis(backend: Backend, x: Info, axis: number): Info {
  return sum({ inputs: { x }, backend, attrs: { axis: [axis], keepDims: false } });
}
