/**
 * tfjs layers for timm's building blocks where tfjs-layers has none (or pads differently), in NHWC.
 * Each layer says which PyTorch parameter each of its weights is (`torchWeights()`: suffix after the
 * layer's name, and the layout to convert from), so a timm state dict maps onto it by name.
 */
import * as tf from '@tensorflow/tfjs';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = Array<number | null>;
type Initializer = ReturnType<typeof tf.initializers.zeros>;

/**
 * How a PyTorch tensor maps onto a tfjs weight:
 * `conv` OIHW → HWIO; `dw` depthwise [C, 1, kh, kw] → [kh, kw, C, 1]; `linear` [out, in] → [in, out];
 * `conv1x1` a 1×1 conv [out, in, 1, 1] used as a matrix → [in, out]; `same` unchanged.
 */
export type TorchLayout = 'conv' | 'dw' | 'linear' | 'conv1x1' | 'same';

export interface TorchWeight {
  /** Parameter name after the layer's own name, e.g. `weight` or `qkv.bias`. */
  suffix: string;
  layout: TorchLayout;
}

/** Initialisers for a fresh (not imported) layer; `zeros` when weights will be loaded over them. */
export interface InitArgs {
  kernelInitializer?: Initializer;
  /** Relative-position table / MLP of {@link RelPosAttention2d}. */
  relPosInitializer?: Initializer;
}

const oneShape = (s: Shape | Shape[]): Shape => (Array.isArray(s[0]) ? (s as Shape[])[0] : (s as Shape));
const oneTensor = (x: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(x) ? x[0] : x);
const zeros = () => tf.initializers.zeros();

function lastDim(s: Shape, who: string): number {
  const c = s[s.length - 1];
  if (c == null) throw new Error(`${who}: the channel axis must have a known size, got [${s.join(', ')}]`);
  return c;
}

/** x [..., I] · kernel [I, O] + bias over the last axis (any rank). */
function linear(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1];
  const y = tf.matMul(tf.reshape(x, [-1, inDim]), kernel as tf.Tensor2D);
  const out = bias ? tf.add(y, bias) : y;
  return tf.reshape(out, [...x.shape.slice(0, -1), kernel.shape[1] as number]);
}

// ---------------------------------------------------------------------------------------------

export interface TorchConv2dArgs extends LayerArgs, InitArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** Zero padding on every side (PyTorch's symmetric `padding`), not TF's 'same'. */
  padding?: number;
  /** Depthwise (groups = channels, one filter per channel); `filters` must equal the input channels. */
  depthwise?: boolean;
  useBias?: boolean;
}

/**
 * nn.Conv2d with symmetric zero padding. Why not tf.layers.conv2d: TF's 'same' pads a stride-2
 * convolution of an even input by 0 on top and 1 below, PyTorch by `padding` on both sides, so
 * the two sample different pixels.
 */
export class TorchConv2d extends tf.layers.Layer {
  static className = 'TorchConv2d';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: number;
  readonly depthwise: boolean;
  readonly useBias: boolean;
  private readonly init: Initializer;
  private kernel!: tf.LayerVariable;
  private bias: tf.LayerVariable | null = null;

  constructor(args: TorchConv2dArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? 0;
    this.depthwise = args.depthwise ?? false;
    this.useBias = args.useBias ?? false;
    this.init = args.kernelInitializer ?? zeros();
  }

  /** PyTorch name (after the layer name) and layout of each weight. */
  torchWeights(): Record<string, TorchWeight> {
    return { kernel: { suffix: 'weight', layout: this.depthwise ? 'dw' : 'conv' }, bias: { suffix: 'bias', layout: 'same' } };
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = lastDim(oneShape(inputShape), this.name);
    if (this.depthwise && c !== this.filters) throw new Error(`${this.name}: depthwise conv needs filters = input channels, got ${this.filters} vs ${c}`);
    const k = this.kernelSize;
    this.kernel = this.addWeight('kernel', this.depthwise ? [k, k, c, 1] : [k, k, c, this.filters], 'float32', this.init);
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w] = oneShape(inputShape);
    const out = (n: number | null) => (n == null ? null : Math.floor((n + 2 * this.padding - this.kernelSize) / this.strides) + 1);
    return [b, out(h), out(w), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = oneTensor(inputs) as tf.Tensor4D;
    const bias = this.bias?.read();
    const common = { x, strides: this.strides, pad: this.padding, bias };
    return this.depthwise
      ? tf.fused.depthwiseConv2d({ ...common, filter: this.kernel.read() as tf.Tensor4D })
      : tf.fused.conv2d({ ...common, filter: this.kernel.read() as tf.Tensor4D });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides,
      padding: this.padding, depthwise: this.depthwise, useBias: this.useBias,
    };
  }
}

// ---------------------------------------------------------------------------------------------

export interface TorchLinearArgs extends LayerArgs, InitArgs {
  units: number;
  useBias?: boolean;
}

/** nn.Linear over the last axis of any-rank input (ConvNeXt's channels-last MLP). */
export class TorchLinear extends tf.layers.Layer {
  static className = 'TorchLinear';
  readonly units: number;
  readonly useBias: boolean;
  private readonly init: Initializer;
  private kernel!: tf.LayerVariable;
  private bias: tf.LayerVariable | null = null;

  constructor(args: TorchLinearArgs) {
    super(args);
    this.units = args.units;
    this.useBias = args.useBias ?? true;
    this.init = args.kernelInitializer ?? zeros();
  }

  /** PyTorch name (after the layer name) and layout of each weight. */
  torchWeights(): Record<string, TorchWeight> {
    return { kernel: { suffix: 'weight', layout: 'linear' }, bias: { suffix: 'bias', layout: 'same' } };
  }

  override build(inputShape: Shape | Shape[]): void {
    this.kernel = this.addWeight('kernel', [lastDim(oneShape(inputShape), this.name), this.units], 'float32', this.init);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...oneShape(inputShape).slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return linear(oneTensor(inputs), this.kernel.read(), this.bias?.read() ?? null);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, useBias: this.useBias };
  }
}

// ---------------------------------------------------------------------------------------------

export interface LayerNormArgs extends LayerArgs {
  epsilon: number;
}

/**
 * LayerNorm over the channel axis (timm's LayerNorm and LayerNorm2d: both normalise each pixel's
 * channels; in NHWC they are the same operation). Biased variance, like torch.
 */
export class ChannelLayerNorm extends tf.layers.Layer {
  static className = 'ChannelLayerNorm';
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: LayerNormArgs) {
    super(args);
    this.epsilon = args.epsilon;
  }

  /** PyTorch name (after the layer name) and layout of each weight. */
  torchWeights(): Record<string, TorchWeight> {
    return { gamma: { suffix: 'weight', layout: 'same' }, beta: { suffix: 'bias', layout: 'same' } };
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = lastDim(oneShape(inputShape), this.name);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = oneTensor(inputs);
    return tf.tidy(() => {
      const axis = x.rank - 1;
      const xc = tf.sub(x, tf.mean(x, axis, true));
      const inv = tf.rsqrt(tf.add(tf.mean(tf.square(xc), axis, true), this.epsilon));
      return tf.add(tf.mul(tf.mul(xc, inv), this.gamma.read()), this.beta.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

// ---------------------------------------------------------------------------------------------

/** Per-channel scale `x · γ` (timm LayerScale / LayerScale2d, ConvNeXt's `gamma`). */
export class LayerScale extends tf.layers.Layer {
  static className = 'LayerScale';
  private gamma!: tf.LayerVariable;

  /** PyTorch name (after the layer name) and layout of each weight. */
  torchWeights(): Record<string, TorchWeight> {
    return { gamma: { suffix: 'gamma', layout: 'same' } };
  }

  override build(inputShape: Shape | Shape[]): void {
    // timm's init_values (1e-6 for these models); imported weights replace it.
    this.gamma = this.addWeight('gamma', [lastDim(oneShape(inputShape), this.name)], 'float32', tf.initializers.constant({ value: 1e-6 }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(oneTensor(inputs), this.gamma.read());
  }
}

// ---------------------------------------------------------------------------------------------

export type SeAct = 'relu' | 'silu';

export interface SqueezeExciteArgs extends LayerArgs, InitArgs {
  /** Reduced channels (timm rd_channels). */
  reduced: number;
  act: SeAct;
}

/**
 * timm SEModule: x · sigmoid(fc2(act(fc1(mean over H, W of x)))), fc1/fc2 1×1 convs with bias.
 */
export class SqueezeExcite extends tf.layers.Layer {
  static className = 'SqueezeExcite';
  readonly reduced: number;
  readonly act: SeAct;
  private readonly init: Initializer;
  private w!: tf.LayerVariable[];

  constructor(args: SqueezeExciteArgs) {
    super(args);
    this.reduced = args.reduced;
    this.act = args.act;
    this.init = args.kernelInitializer ?? zeros();
  }

  /** PyTorch name (after the layer name) and layout of each weight. */
  torchWeights(): Record<string, TorchWeight> {
    return {
      fc1_kernel: { suffix: 'fc1.weight', layout: 'conv1x1' }, fc1_bias: { suffix: 'fc1.bias', layout: 'same' },
      fc2_kernel: { suffix: 'fc2.weight', layout: 'conv1x1' }, fc2_bias: { suffix: 'fc2.bias', layout: 'same' },
    };
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = lastDim(oneShape(inputShape), this.name);
    this.w = [
      this.addWeight('fc1_kernel', [c, this.reduced], 'float32', this.init),
      this.addWeight('fc1_bias', [this.reduced], 'float32', zeros()),
      this.addWeight('fc2_kernel', [this.reduced, c], 'float32', this.init),
      this.addWeight('fc2_bias', [c], 'float32', zeros()),
    ];
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = oneTensor(inputs);
    return tf.tidy(() => {
      const [k1, b1, k2, b2] = this.w.map((v) => v.read());
      const s = linear(tf.mean(x, [1, 2]), k1, b1);
      const a = this.act === 'relu' ? tf.relu(s) : tf.mul(s, tf.sigmoid(s));
      const gate = tf.sigmoid(linear(a, k2, b2));
      return tf.mul(x, tf.reshape(gate, [x.shape[0], 1, 1, x.shape[3] as number]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), reduced: this.reduced, act: this.act };
  }
}

// ---------------------------------------------------------------------------------------------

export interface MaxPoolArgs extends LayerArgs {
  poolSize: number;
  strides: number;
  /** Symmetric padding (PyTorch's; padded cells never win). */
  padding: number;
}

/** nn.MaxPool2d with symmetric padding (ResNet's 3×3 / 2 / pad 1 stem pool). */
export class TorchMaxPool2d extends tf.layers.Layer {
  static className = 'TorchMaxPool2d';
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: number;

  constructor(args: MaxPoolArgs) {
    super(args);
    this.poolSize = args.poolSize;
    this.strides = args.strides;
    this.padding = args.padding;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, h, w, c] = oneShape(inputShape);
    const out = (n: number | null) => (n == null ? null : Math.floor((n + 2 * this.padding - this.poolSize) / this.strides) + 1);
    return [b, out(h), out(w), c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.maxPool(oneTensor(inputs) as tf.Tensor4D, this.poolSize, this.strides, this.padding);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

// ---------------------------------------------------------------------------------------------

export type RelPosKind = 'bias' | 'mlp';

export interface RelPosAttentionArgs extends LayerArgs, InitArgs {
  /** Output channels (the input's channels set the attention width, timm's expand_first = False). */
  dimOut: number;
  dimHead: number;
  /** The feature map size [h, w] the relative positions are laid out for. */
  window: [number, number];
  /** `bias`: a learned table per relative offset (RelPosBias); `mlp`: an MLP of log-spaced offsets (RelPosMlp, 'cr' mode). */
  relPos: RelPosKind;
  /** Hidden width of the rel-pos MLP (timm rel_pos_dim). */
  relPosHidden?: number;
}

/**
 * timm's Attention2d with a relative-position bias, over all h·w positions of the map (CoAtNet's
 * transformer stages): qkv 1×1 conv (head-first channel order: per head [q | k | v] of dimHead),
 * softmax(q·kᵀ/√d + B) · v, proj 1×1 conv. B[head, i, j] is the table entry of the offset between
 * query i and key j. The gather is written as two one-hot matmuls (rows, then columns), so its
 * gradient is matmuls too (a gather's gradient needs UnsortedSegmentSum, which WASM lacks).
 */
export class RelPosAttention2d extends tf.layers.Layer {
  static className = 'RelPosAttention2d';
  readonly dimOut: number;
  readonly dimHead: number;
  readonly window: [number, number];
  readonly relPos: RelPosKind;
  readonly relPosHidden: number;
  private readonly init: Initializer;
  private readonly relInit: Initializer;
  private heads = 0;
  private w: Record<string, tf.LayerVariable> = {};

  constructor(args: RelPosAttentionArgs) {
    super(args);
    this.dimOut = args.dimOut;
    this.dimHead = args.dimHead;
    this.window = [args.window[0], args.window[1]];
    this.relPos = args.relPos;
    this.relPosHidden = args.relPosHidden ?? 512;
    this.init = args.kernelInitializer ?? zeros();
    this.relInit = args.relPosInitializer ?? zeros();
  }

  /** PyTorch name (after the layer name) and layout of each weight. */
  torchWeights(): Record<string, TorchWeight> {
    return {
      qkv_kernel: { suffix: 'qkv.weight', layout: 'conv1x1' }, qkv_bias: { suffix: 'qkv.bias', layout: 'same' },
      proj_kernel: { suffix: 'proj.weight', layout: 'conv1x1' }, proj_bias: { suffix: 'proj.bias', layout: 'same' },
      rel_table: { suffix: 'rel_pos.relative_position_bias_table', layout: 'same' },
      rel_fc1_kernel: { suffix: 'rel_pos.mlp.fc1.weight', layout: 'linear' }, rel_fc1_bias: { suffix: 'rel_pos.mlp.fc1.bias', layout: 'same' },
      rel_fc2_kernel: { suffix: 'rel_pos.mlp.fc2.weight', layout: 'linear' }, rel_fc2_bias: { suffix: 'rel_pos.mlp.fc2.bias', layout: 'same' },
    };
  }

  override build(inputShape: Shape | Shape[]): void {
    const dim = lastDim(oneShape(inputShape), this.name);
    if (dim % this.dimHead) throw new Error(`${this.name}: ${dim} channels are not a multiple of the head size ${this.dimHead}`);
    this.heads = dim / this.dimHead;
    const [h, w] = this.window;
    const add = (name: string, shape: number[], init: Initializer) => (this.w[name] = this.addWeight(name, shape, 'float32', init));
    add('qkv_kernel', [dim, 3 * dim], this.init);
    add('qkv_bias', [3 * dim], zeros());
    add('proj_kernel', [dim, this.dimOut], this.init);
    add('proj_bias', [this.dimOut], zeros());
    if (this.relPos === 'bias') {
      add('rel_table', [(2 * h - 1) * (2 * w - 1), this.heads], this.relInit);
    } else {
      add('rel_fc1_kernel', [2, this.relPosHidden], this.relInit);
      add('rel_fc1_bias', [this.relPosHidden], zeros());
      add('rel_fc2_kernel', [this.relPosHidden, this.heads], this.relInit);
      add('rel_fc2_bias', [this.heads], zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...oneShape(inputShape).slice(0, -1), this.dimOut];
  }

  /** The bias table [(2h−1)·(2w−1), heads], rows ordered by (Δy, Δx), Δ = query − key. */
  private table(): tf.Tensor2D {
    if (this.relPos === 'bias') return this.w.rel_table.read() as tf.Tensor2D;
    // RelPosMlp 'cr' mode: MLP(sign(Δ)·ln(1 + |Δ|)) with a ReLU hidden layer.
    const [h, w] = this.window;
    const coords: number[] = [];
    const logc = (d: number) => Math.sign(d) * Math.log(1 + Math.abs(d));
    for (let dy = -(h - 1); dy <= h - 1; dy++) for (let dx = -(w - 1); dx <= w - 1; dx++) coords.push(logc(dy), logc(dx));
    const hidden = tf.relu(linear(tf.tensor2d(coords, [coords.length / 2, 2]), this.w.rel_fc1_kernel.read(), this.w.rel_fc1_bias.read()));
    return linear(hidden, this.w.rel_fc2_kernel.read(), this.w.rel_fc2_bias.read()) as tf.Tensor2D;
  }

  /** B [heads, N, N] with N = h·w, B[n, (iy, ix), (jy, jx)] = table[(iy − jy + h − 1, ix − jx + w − 1), n]. */
  private bias(): tf.Tensor3D {
    const [h, w] = this.window;
    const heads = this.heads;
    // oneHot(L)[(i, j), d] = 1 where d = i − j + L − 1.
    const lookup = (L: number) => {
      const m = new Float32Array(L * L * (2 * L - 1));
      for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) m[(i * L + j) * (2 * L - 1) + i - j + L - 1] = 1;
      return tf.tensor2d(m, [L * L, 2 * L - 1]);
    };
    const t = tf.reshape(tf.transpose(tf.reshape(this.table(), [2 * h - 1, 2 * w - 1, heads]), [0, 2, 1]), [2 * h - 1, heads * (2 * w - 1)]);
    const rows = tf.matMul(lookup(h), t); // [(iy, jy), (head, Δx)]
    const both = tf.matMul(tf.reshape(rows, [h * h * heads, 2 * w - 1]), lookup(w), false, true); // [(iy, jy, head), (ix, jx)]
    const b = tf.transpose(tf.reshape(both, [h, h, heads, w, w]), [2, 0, 3, 1, 4]); // [head, iy, ix, jy, jx]
    return tf.reshape(b, [heads, h * w, h * w]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = oneTensor(inputs);
    return tf.tidy(() => {
      const [B, H, W, C] = x.shape;
      if (H !== this.window[0] || W !== this.window[1]) {
        throw new Error(`${this.name}: built for a ${this.window.join('×')} map (relative positions), got ${H}×${W}`);
      }
      const N = H * W;
      const heads = this.heads;
      const d = this.dimHead;
      const qkv = linear(tf.reshape(x, [B * N, C]), this.w.qkv_kernel.read(), this.w.qkv_bias.read());
      const perHead = tf.transpose(tf.reshape(qkv, [B, N, heads, 3 * d]), [0, 2, 1, 3]); // [B, heads, N, 3d]
      const [q, k, v] = tf.split(perHead, 3, 3).map((t) => tf.reshape(t, [B * heads, N, d]));
      const logits = tf.reshape(tf.matMul(tf.mul(q, d ** -0.5), k, false, true), [B, heads, N, N]);
      const attn = tf.softmax(tf.add(logits, this.bias()));
      const o = tf.matMul(tf.reshape(attn, [B * heads, N, N]), v); // [B·heads, N, d]
      const merged = tf.reshape(tf.transpose(tf.reshape(o, [B, heads, N, d]), [0, 2, 1, 3]), [B * N, C]);
      return tf.reshape(linear(merged, this.w.proj_kernel.read(), this.w.proj_bias.read()), [B, H, W, this.dimOut]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(), dimOut: this.dimOut, dimHead: this.dimHead, window: this.window,
      relPos: this.relPos, relPosHidden: this.relPosHidden,
    };
  }
}

for (const c of [TorchConv2d, TorchLinear, ChannelLayerNorm, LayerScale, SqueezeExcite, TorchMaxPool2d, RelPosAttention2d]) {
  tf.serialization.registerClass(c);
}
