/**
 * A whole timm backbone as one tfjs layer: its weights are named by timm's state-dict keys, its
 * forward pass is ops.ts, and in training each block is checkpointed: only the block's input is
 * kept and its activations are recomputed in the backward pass. Why: tfjs keeps every
 * intermediate of the forward pass for the gradient, 1.2 GB for one 224-px image through
 * coatnet_1_rw_224, and the WASM heap is 4 GB; the reference's crop models put 13 frames through it.
 */
import * as tf from '@tensorflow/tfjs';
import { ARCHS, archInfo, BACKBONE_ARCHS, checkImageSize, type BackboneArch } from './archs.js';
import { COATNET_CONFIGS, coatnetSpec, REL_POS_DROPOUT } from './coatnet.js';
import { convnextTinySpec } from './convnext.js';
import { gap, Spec, type Ctx, type Init, type Op, type TorchLayout } from './ops.js';
import { resnet18Spec } from './resnet.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = Array<number | null>;

export type BackboneOutput = 'pooled' | 'map';

export interface TimmBackboneArgs extends LayerArgs {
  arch: BackboneArch;
  imgSize: number;
  /**
   * `pooled`: [B, C], what timm's `create_model(arch, num_classes=0)` returns (global average
   * pool; for convnext_tiny also its head LayerNorm). `map`: [B, S/32, S/32, C], timm's
   * `forward_features` (for the CoAtNets after their final norm).
   */
  output: BackboneOutput;
  /** Recompute each block in the backward pass instead of keeping its activations (default true). */
  checkpoint?: boolean;
  /** Training dropout of the rel-pos MLP (coatnet_rmlp_*); default timm's 0.125, 0 for exact comparisons. */
  relPosDropout?: number;
  /** `random`: seeded initialisers (training from scratch); `zeros` (default): weights will be loaded. */
  init?: 'random' | 'zeros';
  seed?: number;
}

/** The declared parameters and blocks of an architecture, plus the pooling head. */
function define(arch: BackboneArch, size: number, output: BackboneOutput, relPosDropout: number): { spec: Spec; pool: Op | null } {
  const s = new Spec();
  if (arch === 'resnet18') resnet18Spec(s);
  else if (arch === 'convnext_tiny') convnextTinySpec(s);
  else coatnetSpec(s, size, COATNET_CONFIGS[arch], relPosDropout);
  if (output === 'map') return { spec: s, pool: null };
  if (arch !== 'convnext_tiny') return { spec: s, pool: gap };
  const norm = s.ln('head.norm', ARCHS[arch].features, 1e-6);
  return { spec: s, pool: (x, ctx) => norm(gap(x, ctx), ctx) };
}

/**
 * The architecture name of a config read back from model.json: tfjs-layers camel-cases string
 * values when it loads a config ('convnext_tiny' comes back as 'convnextTiny').
 */
function savedArch(name: string): string {
  const key = (s: string) => s.replace(/_/g, '').toLowerCase();
  return BACKBONE_ARCHS.find((a) => key(a) === key(name)) ?? name;
}

function initializer(init: Init, seed: number) {
  if (init.kind === 'const') return tf.initializers.constant({ value: init.value });
  if (init.kind === 'normal') return tf.initializers.randomNormal({ mean: 0, stddev: init.std, seed });
  const limit = Math.sqrt(6 / (init.fanIn + init.fanOut));
  return tf.initializers.randomUniform({ minval: -limit, maxval: limit, seed });
}

export class TimmBackboneLayer extends tf.layers.Layer {
  static className = 'TimmBackbone';
  readonly arch: BackboneArch;
  readonly imgSize: number;
  readonly outputKind: BackboneOutput;
  readonly checkpoint: boolean;
  readonly relPosDropout: number;
  private readonly init: 'random' | 'zeros';
  private readonly seed: number;
  private readonly def: { spec: Spec; pool: Op | null };
  private readonly vars = new Map<string, tf.LayerVariable>();
  /** Dropout masks drawn so far (seeds them: reproducible for a given layer seed). */
  private draws = 0;

  constructor(args: TimmBackboneArgs) {
    super(args);
    this.arch = archInfo(savedArch(args.arch)).arch;
    checkImageSize(this.arch, args.imgSize);
    this.imgSize = args.imgSize;
    this.outputKind = args.output;
    this.checkpoint = args.checkpoint ?? true;
    this.relPosDropout = args.relPosDropout ?? REL_POS_DROPOUT;
    this.init = args.init ?? 'zeros';
    this.seed = args.seed ?? 0;
    this.def = define(this.arch, this.imgSize, this.outputKind, this.relPosDropout);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const want = [this.imgSize, this.imgSize, 3];
    if (s.length !== 4 || s.slice(1).some((d, i) => d !== want[i])) {
      throw new Error(`${this.name} (${this.arch}): input must be [B, ${want.join(', ')}], got [${s.join(', ')}]`);
    }
    let seed = this.seed >>> 0;
    for (const p of this.def.spec.params) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const init = this.init === 'zeros' ? tf.initializers.zeros() : initializer(p.init, seed);
      this.vars.set(p.key, this.addWeight(p.key, p.shape, 'float32', init, undefined, p.trainable));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const b = ((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape)[0];
    const c = ARCHS[this.arch].features;
    return this.outputKind === 'pooled' ? [b, c] : [b, this.imgSize / 32, this.imgSize / 32, c];
  }

  /** Trainable parameters as timm counts them, from the declaration (before or without `build`). */
  trainableParamCount(): number {
    return this.def.spec.params.filter((p) => p.trainable).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Every weight with its timm key and how the PyTorch tensor maps onto it. */
  torchSlots(): Map<string, { variable: tf.LayerVariable; shape: number[]; layout: TorchLayout }> {
    return new Map(this.def.spec.params.map((p) => [p.key, { variable: this.vars.get(p.key)!, shape: p.shape, layout: p.layout }]));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const training = Boolean(kwargs['training']);
    const ctx: Ctx = {
      training,
      updateStats: training,
      w: (key) => this.vars.get(key)!.read(),
      set: (key, v) => void this.vars.get(key)!.write(v),
      mask: (shape, rate) => this.mask(shape, rate),
      checkpoint: (forward, params, t) => (training && this.checkpoint ? this.recomputed(forward, params, t, ctx) : tf.tidy(() => forward(t, ctx))),
    };
    return tf.tidy(() => {
      // Each block's intermediates go when it returns, and its input when the next one has run
      // (one tidy around the whole network would hold every activation of a 384 px pass at once).
      let h = x;
      for (const block of this.def.spec.blocks) {
        const next = ctx.checkpoint(block.forward, block.params, h);
        if (h !== x) h.dispose();
        h = next;
      }
      return this.def.pool ? this.def.pool(h, ctx) : h;
    });
  }

  /** An inverted-dropout mask: 0 with probability `rate`, else 1 / (1 − rate); seeded from the layer seed. */
  private mask(shape: number[], rate: number): tf.Tensor {
    const u = tf.randomUniform(shape, 0, 1, 'float32', (this.seed * 7919 + ++this.draws) >>> 0);
    return tf.div(tf.cast(tf.greaterEqual(u, rate), 'float32'), 1 - rate);
  }

  /**
   * A checkpoint unit as one tape node: forward without keeping intermediates (inside customGrad
   * nothing is taped), backward by re-running the unit under its own tape with the same dropout
   * masks, running statistics untouched the second time. Gradients reach the variables because
   * they are explicit inputs of the node. Units nest (segments inside blocks): each level records
   * the masks its parent hands out and hands them out again when it is recomputed.
   */
  private recomputed(forward: Op, params: string[], x: tf.Tensor, parent: Ctx): tf.Tensor {
    const vars = params.map((k) => this.vars.get(k)!.read());
    const f = tf.customGrad((...args: unknown[]) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const input = args[0] as tf.Tensor;
      const masks: tf.Tensor[] = [];
      const first: Ctx = { ...parent, mask: (shape, rate) => masks[masks.push(parent.mask(shape, rate)) - 1] };
      first.checkpoint = (fw, ps, t) => this.recomputed(fw, ps, t, first);
      const value = forward(input, first);
      save([input, ...masks]);
      return {
        value,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          let next = 1;
          const replay: Ctx = { ...parent, updateStats: false, mask: () => saved[next++] };
          replay.checkpoint = (fw, ps, t) => this.recomputed(fw, ps, t, replay);
          return withOwnTape(() => tf.engine().gradients(() => seeded(forward(saved[0], replay), dy as tf.Tensor), [saved[0], ...vars], undefined, true).grads);
        },
      };
    });
    return f(x, ...vars);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), arch: this.arch, imgSize: this.imgSize, output: this.outputKind, checkpoint: this.checkpoint, relPosDropout: this.relPosDropout };
  }
}

/**
 * Σ y·dy as a scalar whose gradient with respect to y is dy, without keeping y: backpropagating
 * from it is backpropagating dy into y, and the recomputed output (as big as the unit's largest
 * activation) is freed before the backward pass instead of after it.
 */
function seeded(y: tf.Tensor, dy: tf.Tensor): tf.Scalar {
  return tf.customGrad((...args: unknown[]) => ({
    value: tf.sum(tf.mul(args[0] as tf.Tensor, dy)) as tf.Scalar,
    gradFunc: () => [tf.clone(dy)],
  }))(y) as tf.Scalar;
}

/**
 * Run a nested gradient computation during a backward pass on a tape of its own. The engine starts
 * a fresh tape only at gradient depth 0 and, when done, drops "the" tape: without this, the inner
 * call would replace the outer backward's tape and leave it null (its saved tensors never freed).
 */
function withOwnTape<T>(f: () => T): T {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown; gradientDepth: number } }).state;
  const [tape, depth] = [state.activeTape, state.gradientDepth];
  state.activeTape = null;
  state.gradientDepth = 0;
  try {
    return f();
  } finally {
    state.activeTape = tape;
    state.gradientDepth = depth;
  }
}

tf.serialization.registerClass(TimmBackboneLayer);
