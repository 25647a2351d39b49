import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { compareBackends, randn } from './compare.js';

// Batched BatchMatMul (attention heads) runs one XNNPACK matmul per batch element on WASM; every
// flag combination, broadcasting and the stock fallback must match the CPU backend.
describe('batched BatchMatMul on WASM', () => {
  it('matches cpu for transpose flags, rank 4 batches and a broadcast batch of 1', async () => {
    const rng = new Rng(11);
    const a = randn(rng, [6, 5, 4]);
    const b = randn(rng, [6, 4, 3]);
    const bT = randn(rng, [6, 3, 4]);
    const aT = randn(rng, [6, 4, 5]);
    const a1 = randn(rng, [1, 5, 4]);
    const a4 = randn(rng, [2, 3, 5, 4]);
    const b4 = randn(rng, [2, 3, 7, 4]);
    const c21 = randn(rng, [2, 1, 5, 4]);
    const c13 = randn(rng, [1, 3, 4, 2]);
    const r = await compareBackends([a, b, bT, aT, a1, a4, b4, c21, c13], (A, B, BT, AT, A1, A4, B4, C21, C13) => [
      tf.matMul(A, B), tf.matMul(A, BT, false, true), tf.matMul(AT, B, true, false), tf.matMul(AT, BT, true, true),
      tf.matMul(A1, B), tf.matMul(A4, B4, false, true),
      tf.matMul(C21, C13), // both sides broadcast: the stock kernel
    ]);
    expect(r.err).toBeLessThanOrEqual(1e-5);
  });

  it('gradients of an attention-shaped product match cpu', async () => {
    const rng = new Rng(12);
    const q = randn(rng, [8, 9, 4]);
    const k = randn(rng, [8, 9, 4]);
    const r = await compareBackends([q, k], (Q, K) => {
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(tf.matMul(tf.softmax(tf.matMul(x, y, false, true)), y))));
      return g([Q, K]);
    });
    expect(r.err).toBeLessThanOrEqual(1e-5);
  });
});
