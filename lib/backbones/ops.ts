/**
 * The building blocks of timm's backbones as plain tfjs ops in NHWC, declared once with their
 * PyTorch parameter names. A builder (coatnet.ts, resnet.ts, convnext.ts) declares parameters on a
 * {@link Spec} and gets back forward functions; {@link TimmBackboneLayer} owns the variables.
 */
import * as tf from '@tensorflow/tfjs';
import { activate, batchNormInference, batchNormTraining, type Act } from '../engine/batchnorm.js';

export { activate, type Act };

/**
 * How a PyTorch tensor maps onto our weight:
 * `conv` OIHW → HWIO; `dw` depthwise [C, 1, kh, kw] → [kh, kw, C, 1]; `linear` [out, in] → [in, out];
 * `conv1x1` a 1×1 conv [out, in, 1, 1] used as a matrix → [in, out]; `same` unchanged.
 */
export type TorchLayout = 'conv' | 'dw' | 'linear' | 'conv1x1' | 'same';

/** Initialisation for training from scratch (timm-like: He-normal on fan-out for convs, Glorot for linear maps). */
export type Init = { kind: 'normal'; std: number } | { kind: 'glorot'; fanIn: number; fanOut: number } | { kind: 'const'; value: number };

export interface ParamSpec {
  /** timm's state-dict key, e.g. `stages.0.blocks.0.conv1_1x1.weight`. */
  key: string;
  /** Our (NHWC / [in, out]) shape. */
  shape: number[];
  layout: TorchLayout;
  init: Init;
  /** False for BatchNorm running statistics (timm buffers, not parameters). */
  trainable: boolean;
}

/** What a forward pass reads and whether it trains. */
export interface Ctx {
  training: boolean;
  /** Update BatchNorm running statistics (off while a checkpointed block is recomputed). */
  updateStats: boolean;
  w(key: string): tf.Tensor;
  /** Overwrite a non-trainable weight (running statistics). */
  set(key: string, value: tf.Tensor): void;
  /** An inverted-dropout mask (0 with probability `rate`, else 1 / (1 − rate)); a recomputation gets the same one again. */
  mask(shape: number[], rate: number): tf.Tensor;
  /** Run `forward` (which reads the trainable `params`) as a checkpoint unit when training with checkpoints, else plainly. */
  checkpoint(forward: Op, params: string[], x: tf.Tensor): tf.Tensor;
}

export type Op = (x: tf.Tensor, ctx: Ctx) => tf.Tensor;

/** A checkpoint unit: a block whose activations are recomputed in the backward pass instead of kept. */
export interface Block {
  name: string;
  forward: Op;
  /** Keys of the trainable parameters the block reads. */
  params: string[];
}

const ZERO: Init = { kind: 'const', value: 0 };
const ONE: Init = { kind: 'const', value: 1 };

/** x [..., I] · kernel [I, O] + bias over the last axis (any rank). */
export function linearOp(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const y = tf.matMul(tf.reshape(x, [-1, inDim]), kernel as tf.Tensor2D);
  return tf.reshape(bias ? tf.add(y, bias) : y, [...x.shape.slice(0, -1), kernel.shape[1] as number]);
}

/** timm Downsample2d 'avg2': 2×2 average pooling, stride 2. */
export const avgPool2: Op = (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid');

/** Global average pooling [B, h, w, C] → [B, C]. */
export const gap: Op = (x) => tf.mean(x, [1, 2]);

/** Declares parameters under their timm names; each method returns the op that uses them. */
export class Spec {
  readonly params: ParamSpec[] = [];
  readonly blocks: Block[] = [];
  private readonly keys = new Set<string>();
  /** Parameter lists of the units being declared (a segment inside a block adds to both). */
  private readonly open: string[][] = [];

  private add(key: string, shape: number[], layout: TorchLayout, init: Init, trainable = true): string {
    if (this.keys.has(key)) throw new Error(`backbone spec: parameter ${key} declared twice`);
    this.keys.add(key);
    this.params.push({ key, shape, layout, init, trainable });
    if (trainable) for (const list of this.open) list.push(key);
    return key;
  }

  private collect(make: () => Op): { forward: Op; params: string[] } {
    const params: string[] = [];
    this.open.push(params);
    try {
      return { forward: make(), params };
    } finally {
      this.open.pop();
    }
  }

  /**
   * Declare a block, the top-level checkpoint unit: parameters declared inside `make` belong to it,
   * and its forward is recomputed in the backward pass when training with checkpoints.
   */
  block(name: string, make: () => Op): void {
    this.blocks.push({ name, ...this.collect(make) });
  }

  /**
   * A checkpoint unit inside a block, for blocks whose full-resolution tensors do not fit the heap
   * all at once in their own backward pass (the MBConv expansion at 112 px).
   */
  segment(make: () => Op): Op {
    const { forward, params } = this.collect(make);
    return (x, ctx) => ctx.checkpoint(forward, params, x);
  }

  /** nn.Conv2d with symmetric zero padding (not TF's 'same', which pads a stride-2 conv 0 above and 1 below). */
  conv(name: string, o: { cin: number; cout: number; k: number; stride?: number; pad?: number; bias?: boolean; depthwise?: boolean }): Op {
    const dw = o.depthwise ?? false;
    if (dw && o.cin !== o.cout) throw new Error(`${name}: a depthwise conv keeps its channels (${o.cin} → ${o.cout})`);
    const w = this.add(`${name}.weight`, dw ? [o.k, o.k, o.cin, 1] : [o.k, o.k, o.cin, o.cout], dw ? 'dw' : 'conv', { kind: 'normal', std: Math.sqrt(2 / (o.k * o.k * (dw ? 1 : o.cout))) });
    const b = o.bias ? this.add(`${name}.bias`, [o.cout], 'same', ZERO) : null;
    const stride = o.stride ?? 1;
    const pad = o.pad ?? 0;
    return (x, ctx) => {
      const args = { x: x as tf.Tensor4D, filter: ctx.w(w) as tf.Tensor4D, strides: stride, pad, bias: b ? ctx.w(b) : undefined };
      return dw ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
    };
  }

  /** nn.Linear over the last axis. */
  linear(name: string, cin: number, cout: number): Op {
    const w = this.add(`${name}.weight`, [cin, cout], 'linear', { kind: 'glorot', fanIn: cin, fanOut: cout });
    const b = this.add(`${name}.bias`, [cout], 'same', ZERO);
    return (x, ctx) => linearOp(x, ctx.w(w), ctx.w(b));
  }

  /**
   * BatchNorm2d (+ activation: timm BatchNormAct2d). Training: batch statistics, running statistics
   * updated with torch's momentum 0.1 and its unbiased batch variance; eval: running statistics.
   */
  bn(name: string, c: number, eps: number, act?: Act): Op {
    const g = this.add(`${name}.weight`, [c], 'same', ONE);
    const b = this.add(`${name}.bias`, [c], 'same', ZERO);
    const rm = this.add(`${name}.running_mean`, [c], 'same', ZERO, false);
    const rv = this.add(`${name}.running_var`, [c], 'same', ONE, false);
    return (x, ctx) => {
      if (ctx.training) {
        const r = batchNormTraining(x, ctx.w(g), ctx.w(b), eps, act);
        if (ctx.updateStats) {
          const n = x.size / c;
          const unbiased = tf.mul(r.variance, n / Math.max(n - 1, 1));
          ctx.set(rm, tf.add(tf.mul(ctx.w(rm), 0.9), tf.mul(r.mean, 0.1)));
          ctx.set(rv, tf.add(tf.mul(ctx.w(rv), 0.9), tf.mul(unbiased, 0.1)));
          unbiased.dispose();
        }
        r.mean.dispose();
        r.variance.dispose();
        return r.y;
      }
      const y = batchNormInference(x, ctx.w(g), ctx.w(b), ctx.w(rm), ctx.w(rv), eps);
      return act ? activate(y, act) : y;
    };
  }

  /** LayerNorm over channels (timm LayerNorm and LayerNorm2d alike in NHWC), biased variance as torch. */
  ln(name: string, c: number, eps: number): Op {
    const g = this.add(`${name}.weight`, [c], 'same', ONE);
    const b = this.add(`${name}.bias`, [c], 'same', ZERO);
    return (x, ctx) => {
      const axis = x.rank - 1;
      const xc = tf.sub(x, tf.mean(x, axis, true));
      const inv = tf.rsqrt(tf.add(tf.mean(tf.square(xc), axis, true), eps));
      return tf.add(tf.mul(tf.mul(xc, inv), ctx.w(g)), ctx.w(b));
    };
  }

  /** Per-channel scale (timm LayerScale / LayerScale2d; ConvNeXt's block `gamma`), init 1e-6. */
  layerScale(key: string, c: number): Op {
    const g = this.add(key, [c], 'same', { kind: 'const', value: 1e-6 });
    return (x, ctx) => tf.mul(x, ctx.w(g));
  }

  /** timm SEModule: x · sigmoid(fc2(act(fc1(mean over H, W)))), fc1/fc2 1×1 convs with bias. */
  se(name: string, c: number, reduced: number, act: Act): Op {
    const k1 = this.add(`${name}.fc1.weight`, [c, reduced], 'conv1x1', { kind: 'normal', std: Math.sqrt(2 / reduced) });
    const b1 = this.add(`${name}.fc1.bias`, [reduced], 'same', ZERO);
    const k2 = this.add(`${name}.fc2.weight`, [reduced, c], 'conv1x1', { kind: 'normal', std: Math.sqrt(2 / c) });
    const b2 = this.add(`${name}.fc2.bias`, [c], 'same', ZERO);
    return (x, ctx) => {
      const s = activate(linearOp(tf.mean(x, [1, 2]), ctx.w(k1), ctx.w(b1)), act);
      const gate = tf.sigmoid(linearOp(s, ctx.w(k2), ctx.w(b2)));
      return tf.mul(x, tf.reshape(gate, [x.shape[0], 1, 1, c]));
    };
  }

  /**
   * timm's Attention2d with a relative-position bias over all h·w positions of the map (CoAtNet's
   * transformer stages): qkv 1×1 conv (head-first channels: per head [q | k | v] of `dimHead`),
   * softmax(q·kᵀ/√d + B)·v, proj 1×1 conv. `relPos` 'bias': a learned table per offset (RelPosBias);
   * 'mlp': an MLP of log-spaced offsets (RelPosMlp, 'cr' mode, dropout `relPosDropout` on its hidden layer in training).
   */
  attention(name: string, o: { dim: number; dimOut: number; dimHead: number; window: number; relPos: 'bias' | 'mlp'; relPosHidden: number; relPosDropout: number }): Op {
    const { dim, dimOut, dimHead: d, window: L } = o;
    if (dim % d) throw new Error(`${name}: ${dim} channels are not a multiple of the head size ${d}`);
    const heads = dim / d;
    const qkvW = this.add(`${name}.qkv.weight`, [dim, 3 * dim], 'conv1x1', { kind: 'glorot', fanIn: dim, fanOut: 3 * dim });
    const qkvB = this.add(`${name}.qkv.bias`, [3 * dim], 'same', ZERO);
    const projW = this.add(`${name}.proj.weight`, [dim, dimOut], 'conv1x1', { kind: 'glorot', fanIn: dim, fanOut: dimOut });
    const projB = this.add(`${name}.proj.bias`, [dimOut], 'same', ZERO);
    const V = 2 * L - 1; // offsets per axis
    let table: (ctx: Ctx) => tf.Tensor;
    if (o.relPos === 'bias') {
      const t = this.add(`${name}.rel_pos.relative_position_bias_table`, [V * V, heads], 'same', { kind: 'normal', std: 0.02 });
      table = (ctx) => ctx.w(t);
    } else {
      const h = o.relPosHidden;
      const f1 = this.add(`${name}.rel_pos.mlp.fc1.weight`, [2, h], 'linear', { kind: 'glorot', fanIn: 2, fanOut: h });
      const g1 = this.add(`${name}.rel_pos.mlp.fc1.bias`, [h], 'same', ZERO);
      const f2 = this.add(`${name}.rel_pos.mlp.fc2.weight`, [h, heads], 'linear', { kind: 'glorot', fanIn: h, fanOut: heads });
      const g2 = this.add(`${name}.rel_pos.mlp.fc2.bias`, [heads], 'same', ZERO);
      const logc = (v: number) => Math.sign(v) * Math.log(1 + Math.abs(v));
      const coords: number[] = [];
      for (let dy = -(L - 1); dy <= L - 1; dy++) for (let dx = -(L - 1); dx <= L - 1; dx++) coords.push(logc(dy), logc(dx));
      // timm's RelPosMlp drops 12.5 % of the hidden units in training (Mlp drop=(0.125, 0)).
      table = (ctx) => {
        const hidden = tf.relu(linearOp(tf.tensor2d(coords, [V * V, 2]), ctx.w(f1), ctx.w(g1)));
        const kept = ctx.training && o.relPosDropout > 0 ? tf.mul(hidden, ctx.mask(hidden.shape, o.relPosDropout)) : hidden;
        return linearOp(kept, ctx.w(f2), ctx.w(g2));
      };
    }
    // oneHot[(i, j), δ] = 1 where δ = i − j + L − 1: the table rows of query i and key j on one axis.
    const oneHot = new Float32Array(L * L * V);
    for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) oneHot[(i * L + j) * V + i - j + L - 1] = 1;
    /**
     * B [heads, N, N], N = L², B[n, (iy, ix), (jy, jx)] = table[(iy − jy + L − 1)·V + ix − jx + L − 1, n].
     * The gather is two one-hot matmuls (rows, then columns), so its gradient is matmuls too
     * (a gather's gradient needs UnsortedSegmentSum, which the WASM backend lacks).
     */
    const bias = (ctx: Ctx): tf.Tensor => {
      const lookup = tf.tensor2d(oneHot, [L * L, V]);
      const t = tf.reshape(tf.transpose(tf.reshape(table(ctx), [V, V, heads]), [0, 2, 1]), [V, heads * V]);
      const rows = tf.matMul(lookup, t); // [(iy, jy), (head, Δx)]
      const both = tf.matMul(tf.reshape(rows, [L * L * heads, V]), lookup, false, true); // [(iy, jy, head), (ix, jx)]
      return tf.reshape(tf.transpose(tf.reshape(both, [L, L, heads, L, L]), [2, 0, 3, 1, 4]), [heads, L * L, L * L]);
    };
    return (x, ctx) => {
      const [B, H, W] = x.shape;
      if (H !== L || W !== L) throw new Error(`${name}: built for a ${L}×${L} map (relative positions), got ${H}×${W}`);
      const N = H * W;
      const qkv = linearOp(tf.reshape(x, [B * N, dim]), ctx.w(qkvW), ctx.w(qkvB));
      const perHead = tf.transpose(tf.reshape(qkv, [B, N, heads, 3 * d]), [0, 2, 1, 3]); // [B, heads, N, 3d]
      const [q, k, v] = tf.split(perHead, 3, 3).map((t) => tf.reshape(t, [B * heads, N, d]));
      const logits = tf.reshape(tf.matMul(tf.mul(q, d ** -0.5), k, false, true), [B, heads, N, N]);
      const attn = tf.softmax(tf.add(logits, bias(ctx)));
      const out = tf.matMul(tf.reshape(attn, [B * heads, N, N]), v); // [B·heads, N, d]
      const merged = tf.reshape(tf.transpose(tf.reshape(out, [B, heads, N, d]), [0, 2, 1, 3]), [B * N, dim]);
      return tf.reshape(linearOp(merged, ctx.w(projW), ctx.w(projB)), [B, H, W, dimOut]);
    };
  }
}
