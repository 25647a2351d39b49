/**
 * Small helpers that build a backbone's functional graph: each call creates one layer named by
 * its timm module path (so weights map by name) and applies it.
 */
import * as tf from '@tensorflow/tfjs';
import { FastBatchNorm } from '../engine/layers.js';
import { ChannelLayerNorm, LayerScale, RelPosAttention2d, SqueezeExcite, TorchConv2d, TorchLinear, TorchMaxPool2d, type RelPosKind, type SeAct } from './layers.js';

type T = tf.SymbolicTensor;
export type Act = 'relu' | 'silu' | 'gelu';

/** tfjs-layers' names for the three activations (GELU: the exact erf form, as torch's default). */
const TFJS_ACT = { relu: 'relu', silu: 'swish', gelu: 'gelu' } as const;

export interface NetOptions {
  /**
   * `random`: seeded initialisers for training from scratch (He-normal on fan-out for convs as
   * timm's efficientnet-style init, Glorot for linear maps, N(0, 0.02) for relative-position
   * tables); `zeros`: skip drawing random numbers because imported weights will replace them.
   */
  init: 'random' | 'zeros';
  /** Seeds for the random initialisers (one per layer, in build order). */
  seed: () => number;
}

export class Net {
  constructor(private readonly opts: NetOptions) {}

  private normal(stddev: number) {
    return this.opts.init === 'zeros' ? tf.initializers.zeros() : tf.initializers.randomNormal({ mean: 0, stddev, seed: this.opts.seed() });
  }

  private glorot() {
    return this.opts.init === 'zeros' ? tf.initializers.zeros() : tf.initializers.glorotUniform({ seed: this.opts.seed() });
  }

  conv(x: T, name: string, o: { filters: number; kernel: number; stride?: number; pad?: number; bias?: boolean; depthwise?: boolean }): T {
    const fanOut = o.kernel * o.kernel * (o.depthwise ? 1 : o.filters);
    return new TorchConv2d({
      name, filters: o.filters, kernelSize: o.kernel, strides: o.stride ?? 1, padding: o.pad ?? 0,
      depthwise: o.depthwise ?? false, useBias: o.bias ?? false, kernelInitializer: this.normal(Math.sqrt(2 / fanOut)),
    }).apply(x) as T;
  }

  linear(x: T, name: string, units: number): T {
    return new TorchLinear({ name, units, kernelInitializer: this.glorot() }).apply(x) as T;
  }

  /** BatchNorm2d (torch momentum 0.1 = 0.9 here), optionally followed by an activation named `{name}.act`. */
  bn(x: T, name: string, eps: number, act?: Act): T {
    const y = new FastBatchNorm({ name, momentum: 0.9, epsilon: eps }).apply(x) as T;
    return act ? this.act(y, `${name}.act`, act) : y;
  }

  ln(x: T, name: string, eps: number): T {
    return new ChannelLayerNorm({ name, epsilon: eps }).apply(x) as T;
  }

  act(x: T, name: string, act: Act): T {
    return tf.layers.activation({ name, activation: TFJS_ACT[act] }).apply(x) as T;
  }

  add(a: T, b: T, name: string): T {
    return tf.layers.add({ name }).apply([a, b]) as T;
  }

  /** timm Downsample2d 'avg2': 2×2 average pooling, stride 2, no padding. */
  avgPool2(x: T, name: string): T {
    return tf.layers.averagePooling2d({ name, poolSize: 2, strides: 2, padding: 'valid' }).apply(x) as T;
  }

  maxPool(x: T, name: string, size: number, stride: number, pad: number): T {
    return new TorchMaxPool2d({ name, poolSize: size, strides: stride, padding: pad }).apply(x) as T;
  }

  layerScale(x: T, name: string): T {
    return new LayerScale({ name }).apply(x) as T;
  }

  se(x: T, name: string, reduced: number, act: SeAct): T {
    return new SqueezeExcite({ name, reduced, act, kernelInitializer: this.glorot() }).apply(x) as T;
  }

  attention(x: T, name: string, o: { dimOut: number; dimHead: number; window: [number, number]; relPos: RelPosKind; relPosHidden: number }): T {
    return new RelPosAttention2d({
      name, ...o, kernelInitializer: this.glorot(), relPosInitializer: o.relPos === 'bias' ? this.normal(0.02) : this.glorot(),
    }).apply(x) as T;
  }

  /** Global average pooling over H, W: [B, h, w, C] → [B, C]. */
  gap(x: T, name: string): T {
    return tf.layers.globalAveragePooling2d({ name }).apply(x) as T;
  }
}
