import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { initBackend } from '../../lib/engine/index.js';
import { WASM_KERNELS, setWasmKernelSet } from '../../lib/engine/wasm/index.js';
import { compareBackends, randn, type Raw } from './compare.js';

// Every kernel registered in lib/engine/wasm is run through tf.engine().runKernel on cpu and on
// wasm with the same inputs; relative error (max |Δ| / max |cpu|) must stay ≤ 1e-4 in float32.
const TOL = 1e-4;
const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase { B: number; H: number; W: number; C: number; CO: number; KH: number; KW: number; s: [number, number]; pad: Pad }

/** Strides, paddings and kernel sizes our models use, plus random odd shapes. */
function convCases(seed: number, n: number): ConvCase[] {
  const fixed: ConvCase[] = [
    { B: 2, H: 8, W: 8, C: 3, CO: 4, KH: 3, KW: 3, s: [1, 1], pad: 'same' }, // body conv
    { B: 2, H: 9, W: 8, C: 3, CO: 4, KH: 3, KW: 3, s: [2, 2], pad: 'same' }, // downsampling
    { B: 2, H: 8, W: 7, C: 4, CO: 6, KH: 1, KW: 1, s: [2, 2], pad: 'same' }, // 1×1 shortcut s2
    { B: 3, H: 5, W: 5, C: 6, CO: 2, KH: 1, KW: 1, s: [1, 1], pad: 'valid' }, // 1×1 (C > CO branch)
    { B: 1, H: 15, W: 13, C: 3, CO: 5, KH: 7, KW: 7, s: [2, 2], pad: 'same' }, // stem
    { B: 2, H: 10, W: 11, C: 2, CO: 3, KH: 3, KW: 3, s: [2, 2], pad: 'valid' }, // valid leftovers
    { B: 2, H: 9, W: 9, C: 2, CO: 3, KH: 4, KW: 4, s: [4, 4], pad: 'valid' }, // patchify
    { B: 2, H: 8, W: 9, C: 2, CO: 3, KH: 3, KW: 2, s: [1, 2], pad: [[0, 0], [2, 1], [0, 1], [0, 0]] }, // explicit, asymmetric
  ];
  const rng = new Rng(seed);
  const pads: Pad[] = ['same', 'valid'];
  for (let i = 0; i < n; i++) {
    const KH = rng.int(1, 5);
    const KW = rng.int(1, 5);
    fixed.push({
      B: rng.int(1, 3), H: rng.int(KH, 12), W: rng.int(KW, 12), C: rng.int(1, 10), CO: rng.int(1, 5),
      KH, KW, s: [rng.int(1, 3), rng.int(1, 3)], pad: rng.choice(pads),
    });
  }
  return fixed;
}

const convGradCases: ConvCase[] = [
  ...convCases(11, 24),
  // Filter gradient: one GEMM per tap (C·taps > 64) as well as the stacked one; rows sharing
  // zero borders (odd sizes, pad on both sides: pitch = output size); C = 1 with stride 1 along
  // the width (the padded copy is the grid). Input gradient: even C (copies by doubles), odd C,
  // C ≥ 128 (copyWithin).
  { B: 2, H: 9, W: 11, C: 8, CO: 5, KH: 3, KW: 3, s: [2, 2], pad: 'same' },
  { B: 3, H: 10, W: 10, C: 9, CO: 4, KH: 3, KW: 3, s: [1, 1], pad: 'same' },
  { B: 2, H: 5, W: 5, C: 16, CO: 6, KH: 3, KW: 3, s: [2, 2], pad: 'same' },
  { B: 2, H: 10, W: 9, C: 8, CO: 3, KH: 3, KW: 3, s: [2, 2], pad: 'valid' },
  { B: 2, H: 12, W: 7, C: 1, CO: 4, KH: 3, KW: 3, s: [2, 1], pad: 'same' },
  { B: 2, H: 7, W: 6, C: 1, CO: 3, KH: 3, KW: 3, s: [1, 1], pad: 'valid' },
  { B: 1, H: 5, W: 4, C: 128, CO: 3, KH: 3, KW: 3, s: [2, 2], pad: 'same' },
  { B: 2, H: 6, W: 7, C: 4, CO: 3, KH: 1, KW: 1, s: [1, 1], pad: [[0, 0], [1, 0], [0, 1], [0, 0]] }, // padded 1×1: grid path
];

const label = (c: ConvCase) => `${c.B}x${c.H}x${c.W}x${c.C}→${c.CO} k${c.KH}x${c.KW} s${c.s.join('x')} ${typeof c.pad === 'string' ? c.pad : 'explicit'}`;
const outSize = (c: ConvCase) => tf.backend_util.computeConv2DInfo([c.B, c.H, c.W, c.C], [c.KH, c.KW, c.C, c.CO], c.s, 1, c.pad);

describe('registered wasm kernels', () => {
  it('registers the kernels the issue lists, and the minimal set keeps only the missing ones', async () => {
    expect(Object.keys(WASM_KERNELS).sort()).toEqual([
      'BatchMatMul', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput', 'Identity', 'LeakyRelu', 'MaxPoolGrad', 'Mean', 'Reverse', 'Slice', 'StridedSlice', 'Sum', 'Tile', '_FusedMatMul',
    ]);
    await initBackend('wasm');
    const active = (name: string) => tf.getKernel(name, 'wasm')?.kernelFunc;
    for (const [name, fn] of Object.entries(WASM_KERNELS)) expect(active(name), name).toBe(fn);
    setWasmKernelSet('minimal');
    expect(active('Conv2DBackpropFilter')).toBe(WASM_KERNELS.Conv2DBackpropFilter);
    expect(active('Tile')).not.toBe(WASM_KERNELS.Tile);
    expect(active('Tile')).toBeDefined();
    setWasmKernelSet('full');
    for (const [name, fn] of Object.entries(WASM_KERNELS)) expect(active(name), name).toBe(fn);
  });

  it.each(convGradCases.map((c) => [label(c), c] as const))('Conv2DBackpropFilter/Input %s', async (_, c) => {
    const ci = outSize(c);
    const rng = new Rng(c.H * 31 + c.W);
    const x = randn(rng, [c.B, c.H, c.W, c.C]);
    const w = randn(rng, [c.KH, c.KW, c.C, c.CO]);
    const dy = randn(rng, [c.B, ci.outHeight, ci.outWidth, c.CO]);
    const f = await compareBackends([x, dy], (xx, gg) => run('Conv2DBackpropFilter', { x: xx, dy: gg }, { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.KH, c.KW, c.C, c.CO] }));
    expect(f.err).toBeLessThanOrEqual(TOL);
    const i = await compareBackends([dy, w], (gg, ww) => run('Conv2DBackpropInput', { dy: gg, filter: ww }, { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.B, c.H, c.W, c.C] }));
    expect(i.err).toBeLessThanOrEqual(TOL);
  });

  const dwCases: Array<ConvCase & { M: number }> = [
    ...convCases(5, 8).map((c, k) => ({ ...c, CO: c.C * ((k % 2) + 1), M: (k % 2) + 1 })),
    { B: 2, H: 16, W: 16, C: 8, CO: 8, KH: 3, KW: 3, s: [2, 2], pad: 'same', M: 1 }, // MobileNet-style s2
    { B: 1, H: 9, W: 10, C: 2, CO: 4, KH: 5, KW: 5, s: [1, 1], pad: 'same', M: 2 },
  ];
  it.each(dwCases.map((c) => [`${label(c)} m${c.M}`, c] as const))('DepthwiseConv2dNativeBackpropFilter/Input %s', async (_, c) => {
    const ci = tf.backend_util.computeConv2DInfo([c.B, c.H, c.W, c.C], [c.KH, c.KW, c.C, c.M], c.s, 1, c.pad, undefined, true);
    const rng = new Rng(c.H * 7 + c.W);
    const x = randn(rng, [c.B, c.H, c.W, c.C]);
    const w = randn(rng, [c.KH, c.KW, c.C, c.M]);
    const dy = randn(rng, [c.B, ci.outHeight, ci.outWidth, c.C * c.M]);
    const attrs = { strides: c.s, pad: c.pad, dilations: [1, 1] };
    const f = await compareBackends([x, dy], (xx, gg) => run('DepthwiseConv2dNativeBackpropFilter', { x: xx, dy: gg }, { ...attrs, filterShape: [c.KH, c.KW, c.C, c.M] }));
    expect(f.err).toBeLessThanOrEqual(TOL);
    const i = await compareBackends([dy, w], (gg, ww) => run('DepthwiseConv2dNativeBackpropInput', { dy: gg, filter: ww }, { ...attrs, inputShape: [c.B, c.H, c.W, c.C] }));
    expect(i.err).toBeLessThanOrEqual(TOL);
  });

  it.each([
    [2, 2, 'valid'], [2, 2, 'same'], [3, 2, 'same'], [3, 1, 'same'], [3, 2, 'valid'],
  ] as const)('MaxPoolGrad window %i stride %i %s, on ReLU outputs (ties at 0)', async (k, s, pad) => {
    const rng = new Rng(k * 10 + s);
    const x = randn(rng, [2, 9, 8, 5], true);
    const ci = tf.backend_util.computePool2DInfo([2, 9, 8, 5], k, s, 1, pad);
    const dy = randn(rng, [2, ci.outHeight, ci.outWidth, 5]);
    const r = await compareBackends([x, dy], (xx, gg) => {
      const y = tf.maxPool(xx as tf.Tensor4D, k, s, pad);
      return run('MaxPoolGrad', { dy: gg, input: xx, output: y }, { filterSize: k, strides: s, pad });
    });
    // Overlapping windows add in another order than cpu (≈1e-8); a misrouted gradient is O(1).
    expect(r.err).toBeLessThanOrEqual(1e-6);
  });

  it('Tile, Slice, StridedSlice, Reverse are exact (float32 and int32)', async () => {
    const rng = new Rng(3);
    const x = randn(rng, [2, 3, 4, 5]);
    const xi: Raw = { shape: [3, 4], data: Int32Array.from({ length: 12 }, (_, i) => i * 7 - 20), dtype: 'int32' };
    const r = await compareBackends([x, xi], (a, b) => [
      tf.tile(a, [1, 2, 1, 3]), tf.tile(a.reshape([2, 1, 60]), [2, 3, 1]), tf.tile(b, [2, 2]), tf.tile(tf.ones([1, 1, 1, 4]), [2, 3, 3, 1]),
      tf.slice(a, [1, 0, 1, 2], [1, 3, 2, 3]), tf.slice(a, [0, 1, 0, 0], [2, 2, 4, 5]), tf.slice(b, [1, 1], [2, 2]),
      tf.stridedSlice(a, [0, 0, 0, 0], [2, 3, 4, 5], [1, 2, 2, 1]), tf.stridedSlice(a, [1, 2, 3, 4], [0, 0, 0, 0], [-1, -1, -2, -3], 0b0001),
      tf.stridedSlice(a, [0, 1], [2, 2], [1, 1], 0, 0, 0, 0, 0b10), tf.stridedSlice(b, [0, 0], [3, 4], [2, 3]),
      tf.reverse(a, [1]), tf.reverse(a, [0, 3]), tf.reverse(a, [2]), tf.reverse(b, 1),
    ]);
    expect(r.err).toBe(0);
  });

  it('Sum and Mean over every axis combination, with and without keepDims', async () => {
    const rng = new Rng(4);
    const x = randn(rng, [3, 4, 5, 6]);
    const axesList = [[0], [1], [2], [3], [0, 1], [1, 2], [0, 1, 2], [0, 2], [2, 3], [0, 1, 2, 3], [-1], [-2, -3]];
    const r = await compareBackends([x], (a) => axesList.flatMap((axes) => [tf.sum(a, axes), tf.mean(a, axes, true), tf.sum(a.reshape([12, 5, 6]), axes.filter((v) => v < 3 && v > -4))]));
    expect(r.err).toBeLessThanOrEqual(TOL);
    // BN-sized reduction (the avgPool path over a long axis).
    const big = randn(rng, [4, 32, 32, 8]);
    const rb = await compareBackends([big], (a) => [tf.sum(a, [0, 1, 2]), tf.mean(a, [0, 1, 2])]);
    expect(rb.err).toBeLessThanOrEqual(TOL);
  });

  it('LeakyRelu (forward and gradient, incl. exact zeros) and Identity', async () => {
    const rng = new Rng(6);
    const x = randn(rng, [7, 33]);
    x.data[3] = 0;
    x.data[40] = -0;
    const dy = randn(rng, [7, 33]);
    const r = await compareBackends([x, dy], (xx, gg) => {
      const [y, dx] = tf.tidy(() => {
        const f = (t: tf.Tensor) => tf.leakyRelu(t, 0.05);
        return [f(xx), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), gg)))(xx)];
      });
      // Closed form: x > 0 ? dy : 0.05·dy.
      const want = tf.where(tf.greater(xx, 0), gg, tf.mul(gg, 0.05));
      return [y, dx, tf.abs(tf.sub(dx, want)), tf.clone(xx)];
    });
    expect(r.err).toBeLessThanOrEqual(1e-6);
    // α·dy + (1−α)·dy rounds to dy within an ulp or two (|dy| < 5).
    for (const out of [r.cpu, r.wasm]) expect(Math.max(...out.values[2])).toBeLessThan(1e-6);
  });

  it('BatchMatMul / fused matMul with transpose flags, bias and activation', async () => {
    const rng = new Rng(5);
    const a = randn(rng, [17, 9]);
    const b = randn(rng, [17, 6]);
    const c = randn(rng, [6, 9]);
    const bias = randn(rng, [6]);
    const a3 = randn(rng, [3, 4, 5]);
    const b3 = randn(rng, [3, 6, 5]);
    const r = await compareBackends([a, b, c, bias, a3, b3], (A, Bm, Cm, bi, A3, B3) => [
      tf.matMul(A, Bm, true, false), tf.matMul(A, Cm, false, true), tf.matMul(Bm, A, true, false), tf.matMul(Cm, Bm, true, true),
      tf.fused.matMul({ a: A, b: Cm, transposeB: true, bias: bi, activation: 'relu' }),
      tf.fused.matMul({ a: Bm, b: A, transposeA: true, bias: tf.zeros([9]), activation: 'linear' }),
      tf.matMul(A3, B3, false, true), // batch 3: one XNN matmul per batch element
    ]);
    expect(r.err).toBeLessThanOrEqual(TOL);
  });
});
