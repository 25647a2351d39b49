/**
 * Training-mode BatchNorm and activations as single tape nodes that keep only their inputs: the
 * autodiff of the composites keeps several full-size tensors per layer, which the 4 GB WASM heap
 * cannot hold for the timm backbones, and costs the small CNNs memory traffic. Used by FastBatchNorm
 * (layers.ts) and by lib/backbones.
 */
import * as tf from '@tensorflow/tfjs';

export type Act = 'relu' | 'silu' | 'gelu';

/** Inference-mode BatchNorm with running statistics: y = x·k + (β − mean·k), k = γ/√(var + ε) (two broadcast ops). */
export function batchNormInference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, eps: number): tf.Tensor {
  const k = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(x, k), tf.sub(beta, tf.mul(mean, k)));
}

export function activate(x: tf.Tensor, act: Act): tf.Tensor {
  if (act === 'relu') return tf.relu(x);
  if (act === 'silu') return tf.mul(x, tf.sigmoid(x));
  return gelu(x);
}

/** d act(z) / dz · dy (each step in its own tidy: one full-size temporary at a time). */
function activationGrad(z: tf.Tensor, dy: tf.Tensor, act: Act): tf.Tensor {
  if (act === 'relu') return tf.tidy(() => tf.mul(dy, tf.step(z)));
  if (act === 'silu') {
    // silu'(z) = s·(1 + z·(1 − s)), s = sigmoid(z)
    const s = tf.sigmoid(z);
    const inner = tf.tidy(() => tf.add(tf.mul(z, tf.sub(1, s)), 1));
    const out = tf.tidy(() => tf.mul(dy, tf.mul(s, inner)));
    tf.dispose([s, inner]);
    return out;
  }
  // GELU'(z) = Φ(z) + z·φ(z)
  const cdf = tf.tidy(() => tf.mul(tf.add(tf.erf(tf.mul(z, Math.SQRT1_2)), 1), 0.5));
  const slope = tf.tidy(() => tf.add(cdf, tf.mul(z, tf.mul(tf.exp(tf.mul(tf.square(z), -0.5)), 1 / Math.sqrt(2 * Math.PI)))));
  const out = tf.mul(dy, slope);
  tf.dispose([cdf, slope]);
  return out;
}

/**
 * Exact (erf) GELU, torch's default, as one tape node that keeps only its input (the autodiff of
 * the composite keeps four full-size tensors: the transformer MLP's widest activation).
 */
function gelu(x: tf.Tensor): tf.Tensor {
  return tf.customGrad((...args: unknown[]) => {
    const [z, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([z]);
    return {
      value: tf.mul(tf.mul(z, 0.5), tf.add(tf.erf(tf.mul(z, Math.SQRT1_2)), 1)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.tidy(() => activationGrad(saved[0], dy as tf.Tensor, 'gelu')),
    };
  })(x);
}

/** Elements per band of {@link banded} (16 MB of float32). */
const BAND = 1 << 22;

/**
 * Apply the elementwise `f` to bands of rows (axis 1) of same-height 4-D inputs (per-channel
 * vectors pass whole), so its full-size temporaries exist one band at a time; the bands are then
 * joined. For the largest BatchNorm tensors of a training step (13 × 112² × 256 floats, 167 MB)
 * this keeps the heap under its 4 GB.
 */
function banded(inputs: tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor): tf.Tensor {
  const x = inputs[0];
  const H = x.shape[1] as number;
  const bands = x.rank === 4 ? Math.min(H, Math.ceil(x.size / BAND)) : 1;
  if (bands <= 1) return f(...inputs);
  const rows = Math.ceil(H / bands);
  const parts: tf.Tensor[] = [];
  for (let r0 = 0; r0 < H; r0 += rows) {
    const n = Math.min(rows, H - r0);
    parts.push(tf.tidy(() => f(...inputs.map((t) => (t.rank === 4 ? tf.slice(t, [0, r0, 0, 0], [-1, n, -1, -1]) : t)))));
  }
  const out = tf.concat(parts, 1);
  tf.dispose(parts);
  return out;
}

/**
 * Training-mode BatchNorm (batch statistics over all axes but the last) with an optional
 * activation (timm's BatchNormAct2d), as one tape node that keeps only x, γ, β and the per-channel mean and 1/σ: the
 * backward recomputes x̂ and the activation (closed form
 * dx = γ/σ · (dz − mean(dz) − x̂·mean(dz·x̂)), dγ = Σ dz·x̂, dβ = Σ dz). Returns the batch mean and
 * biased variance ([C], the caller disposes them) for the running statistics.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, act?: Act): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  let mean!: tf.Tensor;
  let variance!: tf.Tensor;
  // Nested tidies free each full-size temporary as soon as the next one exists: a 13-frame batch
  // through coatnet_1's first block has 167 MB tensors, and the WASM heap holds 4 GB.
  const f = tf.customGrad((...args: unknown[]) => {
    const [xx, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const m = tf.mean(xx, axes);
    const v = tf.tidy(() => tf.mean(banded([xx, m], (xs, ms) => tf.square(tf.sub(xs, ms))), axes));
    const inv = tf.rsqrt(tf.add(v, eps));
    mean = tf.keep(m);
    variance = tf.keep(v);
    const a = tf.mul(g, inv);
    const e = tf.sub(b, tf.mul(m, a));
    const value = banded([xx, a, e], (xs, as, es) => {
      const z = tf.add(tf.mul(xs, as), es);
      return act ? activate(z, act) : z;
    });
    save([xx, g, b, m, inv]);
    return {
      value,
      // With a = γ/σ: z = a·x + (β − a·μ); dβ = Σ dz; dγ = (Σ dz·x − μ·dβ)/σ;
      // dx = a·dz + c·x + d, c = −a·dγ/(σ·n), d = −a·dβ/n − c·μ. Per-channel vectors do the
      // algebra (no x̂ kept) and the elementwise parts run in bands.
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.tidy(() => {
        const [xs, gs, bs, ms, invs] = saved;
        const n = xs.size / (xs.shape[xs.rank - 1] as number);
        const a = tf.mul(gs, invs);
        const e = tf.sub(bs, tf.mul(ms, a));
        const dz = act ? banded([xs, dy as tf.Tensor, a, e], (xb, dyb, ab, eb) => activationGrad(tf.add(tf.mul(xb, ab), eb), dyb, act)) : (dy as tf.Tensor);
        const dBeta = tf.sum(dz, axes);
        const dGamma = tf.mul(tf.sub(tf.tidy(() => tf.sum(tf.mul(dz, xs), axes)), tf.mul(ms, dBeta)), invs);
        const c = tf.neg(tf.div(tf.mul(tf.mul(a, invs), dGamma), n));
        const d = tf.sub(tf.neg(tf.div(tf.mul(a, dBeta), n)), tf.mul(c, ms));
        const dx = banded([dz, xs, a, c, d], (dzb, xb, ab, cb, db) => tf.add(tf.add(tf.mul(dzb, ab), tf.mul(xb, cb)), db));
        if (dz !== dy) dz.dispose();
        return [dx, dGamma, dBeta];
      }),
    };
  });
  return { y: f(x, gamma, beta), mean, variance };
}
