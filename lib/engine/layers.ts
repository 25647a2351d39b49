import * as tf from '@tensorflow/tfjs';
import { batchNormInference, batchNormTraining } from './batchnorm.js';

type Kwargs = Record<string, unknown>;
type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

/** Shape of a symbolic tensor: batch and unknown dims are null. */
type Shape = Array<number | null>;

function oneShape(s: Shape | Shape[]): Shape {
  return Array.isArray(s[0]) ? (s as Shape[])[0] : (s as Shape);
}

function oneTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

// ---------------------------------------------------------------------------------------------

/** Fold time into batch: `[B, T, ...rest]` → `[B·T, ...rest]` (a free reshape). */
export class FoldTime extends tf.layers.Layer {
  static className = 'FoldTime';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = oneShape(inputShape);
    if (s.length < 3) throw new Error(`FoldTime needs an input of rank >= 3 ([B, T, ...]), got [${s.join(', ')}]`);
    const [b, t, ...rest] = s;
    return [b == null || t == null ? null : b * t, ...rest];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = oneTensor(inputs);
    const [b, t, ...rest] = x.shape;
    return tf.reshape(x, [b * t, ...rest]);
  }
}

export interface UnfoldTimeArgs extends NonNullable<LayerArgs> {
  /** Number of frames T per sample. */
  frames: number;
}

/**
 * Unfold batch into time: `[B·T, ...rest]` → `[B, T, ...rest]`. Use after a per-frame network that
 * ran on frames folded by {@link FoldTime}, so BN statistics come from all B·T frames at once.
 * Porting note: the reference (PyTorch) folds `x.view(B*T, C, H, W)` the same way; tfjs's
 * timeDistributed would instead loop over T (4 frames per BN batch, T moving-average updates).
 */
export class UnfoldTime extends tf.layers.Layer {
  static className = 'UnfoldTime';
  readonly frames: number;

  constructor(args: UnfoldTimeArgs) {
    super(args);
    if (!Number.isInteger(args.frames) || args.frames < 1) throw new Error(`UnfoldTime: frames must be a positive integer, got ${args.frames}`);
    this.frames = args.frames;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [bt, ...rest] = oneShape(inputShape);
    return [bt == null ? null : bt / this.frames, this.frames, ...rest];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = oneTensor(inputs);
    const [bt, ...rest] = x.shape;
    if (bt % this.frames !== 0) throw new Error(`UnfoldTime: batch ${bt} is not a multiple of frames ${this.frames}`);
    return tf.reshape(x, [bt / this.frames, this.frames, ...rest]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), frames: this.frames };
  }
}

// ---------------------------------------------------------------------------------------------

export interface FastBatchNormArgs extends NonNullable<LayerArgs> {
  /** Moving-average momentum (Keras convention: new = m·old + (1−m)·batch). Default 0.99. */
  momentum?: number;
  /** Default 1e-3 (Keras). Porting note: PyTorch's BatchNorm uses 1e-5 and momentum 0.1 ≙ 0.9 here. */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
}

/**
 * Batch normalisation over the last axis with a closed-form backward pass (one `customGrad`),
 * a drop-in for `tf.layers.batchNormalization({axis: -1})` with the same four weights
 * (gamma, beta, moving_mean, moving_variance) and the same moving-average update (biased batch
 * variance, as tfjs-layers). Why: the stock layer's backward runs FusedBatchNorm's gradient plus
 * autodiff through `moments`, about 20 full-size ops and a slow Tile on WASM; this needs ~8.
 * Porting note: PyTorch updates running_var with the unbiased variance; tfjs/Keras do not.
 */
export class FastBatchNorm extends tf.layers.Layer {
  static className = 'FastBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: FastBatchNormArgs = {}) {
    super(args);
    this.supportsMasking = true;
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape);
    const dim = s[s.length - 1];
    if (dim == null) throw new Error(`FastBatchNorm: the last axis must have a known size, got [${s.join(', ')}]`);
    const shape = [dim];
    if (this.scale) this.gamma = this.addWeight('gamma', shape, 'float32', tf.initializers.ones());
    if (this.center) this.beta = this.addWeight('beta', shape, 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', shape, 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', shape, 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = oneTensor(inputs);
    const c = x.shape[x.shape.length - 1];
    return tf.tidy(() => {
      const gamma = this.gamma ? this.gamma.read() : tf.ones([c]);
      const beta = this.beta ? this.beta.read() : tf.zeros([c]);
      if (!kwargs['training']) {
        return batchNormInference(x, gamma, beta, this.movingMean.read(), this.movingVariance.read(), this.epsilon);
      }
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon);
      for (const [v, batch] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        const old = v.read();
        v.write(tf.sub(old, tf.mul(tf.sub(old, batch), 1 - this.momentum)));
      }
      mean.dispose();
      variance.dispose();
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

tf.serialization.registerClass(FoldTime);
tf.serialization.registerClass(UnfoldTime);
tf.serialization.registerClass(FastBatchNorm);

/** Convenience factories in the style of `tf.layers.*`. */
/** Trainable parameters, as PyTorch and timm count `parameters()` (BatchNorm running statistics are buffers, not counted). */
export function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, d) => a * (d ?? 1), 1), 0);
}

export const foldTime = (args?: LayerArgs) => new FoldTime(args);
export const unfoldTime = (args: UnfoldTimeArgs) => new UnfoldTime(args);
export const fastBatchNorm = (args?: FastBatchNormArgs) => new FastBatchNorm(args);
