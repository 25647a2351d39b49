/**
 * timm 0.9.2's "rw" CoAtNets (models/maxxvit.py, `_rw_coat_cfg`) in NHWC: a conv stem, two stages
 * of MBConv blocks, two stages of transformer blocks with relative-position attention over the
 * whole map, a final LayerNorm. Every stage halves the map (stride 32 in all).
 */
import { add } from '@tensorflow/tfjs';
import { activate, avgPool2, type Op, type Spec } from './ops.js';

export interface CoatNetConfig {
  embedDims: readonly [number, number, number, number];
  depths: readonly [number, number, number, number];
  stem: readonly [number, number];
  /** SE between the depthwise conv and norm2 (`se_early`) rather than after norm2 (`se`). */
  seEarly: boolean;
  seAct: 'relu' | 'silu';
  /** Bias on the 1×1 conv of a transformer block's downsampling shortcut. */
  shortcutBias: boolean;
  /** Layer scale on both transformer branches (timm init_values set). */
  layerScale: boolean;
  relPos: 'bias' | 'mlp';
  /** Hidden width of the rel-pos MLP (timm rel_pos_dim). */
  relPosHidden: number;
}

/**
 * The three seed models. Common to all (`_rw_coat_cfg` with stride_mode 'dw'): SiLU convs,
 * BatchNorm eps 1e-5 with an activated pre-norm, expansion 4 × the *input* channels, stride in
 * the depthwise 3×3, 'avg2' pooling in every shortcut, no bias on the MBConv 1×1 convs and
 * shortcut; transformers with LayerNorm eps 1e-6, 32-channel heads, attention width = input
 * width, GELU (erf) MLP ×4.
 */
export const COATNET_CONFIGS = {
  coatnet_1_rw_224: {
    embedDims: [96, 192, 384, 768], depths: [2, 6, 14, 2], stem: [32, 64],
    seEarly: true, seAct: 'relu', shortcutBias: false, layerScale: false, relPos: 'bias', relPosHidden: 512,
  },
  coatnet_2_rw_224: {
    embedDims: [128, 256, 512, 1024], depths: [2, 6, 14, 2], stem: [64, 128],
    seEarly: false, seAct: 'silu', shortcutBias: true, layerScale: false, relPos: 'bias', relPosHidden: 512,
  },
  coatnet_rmlp_2_rw_384: {
    embedDims: [128, 256, 512, 1024], depths: [2, 6, 14, 2], stem: [64, 128],
    seEarly: false, seAct: 'silu', shortcutBias: true, layerScale: true, relPos: 'mlp', relPosHidden: 512,
  },
} as const satisfies Record<string, CoatNetConfig>;

const BN_EPS = 1e-5;
const LN_EPS = 1e-6;
const DIM_HEAD = 32;
/** timm RelPosMlp's hidden-layer dropout in training (its Mlp is built with drop=(0.125, 0)). */
export const REL_POS_DROPOUT = 0.125;
const identity: Op = (x) => x;

/** timm make_divisible(v, 8): round to a multiple of 8, never more than 10 % down. */
function makeDivisible(v: number, divisor = 8): number {
  const n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return n < 0.9 * v ? n + divisor : n;
}

/** The downsampling shortcut of a stride-2 block: 2×2 average pool, then a 1×1 conv where the width changes. */
function shortcut(s: Spec, name: string, cin: number, cout: number, stride: number, bias: boolean): Op {
  if (stride === 1) {
    if (cin !== cout) throw new Error(`${name}: a stride-1 block needs equal in/out channels, got ${cin} → ${cout}`);
    return identity;
  }
  const expand = cin !== cout ? s.conv(`${name}.shortcut.expand`, { cin, cout, k: 1, bias }) : identity;
  return (x, ctx) => expand(avgPool2(x, ctx), ctx);
}

/** Pre-norm MBConv: BN-SiLU → 1×1 expand → BN-SiLU → dw 3×3 (stride) → [SE] → BN-SiLU → [SE] → 1×1, + shortcut. */
function mbConv(s: Spec, name: string, cin: number, cout: number, stride: number, cfg: CoatNetConfig): Op {
  const mid = makeDivisible(cin * 4);
  const sc = shortcut(s, name, cin, cout, stride, false);
  // Two checkpoint segments (see Spec.segment): the expansion and the strided depthwise conv,
  // whose output is the small tensor between them, then SE, norm and projection.
  const expand = s.segment(() => {
    const pre = s.bn(`${name}.pre_norm`, cin, BN_EPS, 'silu');
    const conv1 = s.conv(`${name}.conv1_1x1`, { cin, cout: mid, k: 1 });
    const norm1 = s.bn(`${name}.norm1`, mid, BN_EPS, 'silu');
    const conv2 = s.conv(`${name}.conv2_kxk`, { cin: mid, cout: mid, k: 3, stride, pad: 1, depthwise: true });
    return (x, ctx) => conv2(norm1(conv1(pre(x, ctx), ctx), ctx), ctx);
  });
  const project = s.segment(() => {
    const rd = Math.floor(0.25 * mid);
    const seEarly = cfg.seEarly ? s.se(`${name}.se_early`, mid, rd, cfg.seAct) : identity;
    const norm2 = s.bn(`${name}.norm2`, mid, BN_EPS, 'silu');
    const seLate = cfg.seEarly ? identity : s.se(`${name}.se`, mid, rd, cfg.seAct);
    const conv3 = s.conv(`${name}.conv3_1x1`, { cin: mid, cout, k: 1 });
    return (h, ctx) => conv3(seLate(norm2(seEarly(h, ctx), ctx), ctx), ctx);
  });
  return (x, ctx) => add(project(expand(x, ctx), ctx), sc(x, ctx));
}

/** TransformerBlock2d: x + [ls1]·attn(LN(x)[↓2]), then + [ls2]·MLP(LN(x)); the first block of a stage downsamples. */
function transformer(s: Spec, name: string, cin: number, cout: number, stride: number, window: number, cfg: CoatNetConfig, relPosDropout: number): Op {
  const sc = shortcut(s, name, cin, cout, stride, cfg.shortcutBias);
  const ln1 = s.ln(stride === 2 ? `${name}.norm1.norm` : `${name}.norm1`, cin, LN_EPS);
  const norm1: Op = stride === 2 ? (x, ctx) => avgPool2(ln1(x, ctx), ctx) : ln1;
  const attn = s.attention(`${name}.attn`, { dim: cin, dimOut: cout, dimHead: DIM_HEAD, window, relPos: cfg.relPos, relPosHidden: cfg.relPosHidden, relPosDropout });
  const ls1 = cfg.layerScale ? s.layerScale(`${name}.ls1.gamma`, cout) : identity;
  const norm2 = s.ln(`${name}.norm2`, cout, LN_EPS);
  const fc1 = s.conv(`${name}.mlp.fc1`, { cin: cout, cout: 4 * cout, k: 1, bias: true });
  const fc2 = s.conv(`${name}.mlp.fc2`, { cin: 4 * cout, cout, k: 1, bias: true });
  const ls2 = cfg.layerScale ? s.layerScale(`${name}.ls2.gamma`, cout) : identity;
  return (x, ctx) => {
    const h = add(sc(x, ctx), ls1(attn(norm1(x, ctx), ctx), ctx));
    const m = fc2(activate(fc1(norm2(h, ctx), ctx), 'gelu'), ctx);
    return add(h, ls2(m, ctx));
  };
}

/**
 * Declare the CoAtNet for a square input of `size` (a multiple of 32: the relative-position tables
 * are laid out for each stage's map, as timm sizes them from `img_size`). Blocks: the stem, each
 * stage block, the final norm; the output is the normalised map [B, S/32, S/32, C].
 * `relPosDropout` other than timm's 0.125 only for tests that compare training passes exactly.
 */
export function coatnetSpec(s: Spec, size: number, cfg: CoatNetConfig, relPosDropout = REL_POS_DROPOUT): void {
  s.block('stem', () => {
    const conv1 = s.conv('stem.conv1', { cin: 3, cout: cfg.stem[0], k: 3, stride: 2, pad: 1 });
    const norm1 = s.bn('stem.norm1', cfg.stem[0], BN_EPS, 'silu');
    const conv2 = s.conv('stem.conv2', { cin: cfg.stem[0], cout: cfg.stem[1], k: 3, pad: 1 });
    return (x, ctx) => conv2(norm1(conv1(x, ctx), ctx), ctx);
  });
  let ch = cfg.stem[1];
  let map = size / 2;
  cfg.embedDims.forEach((cout, st) => {
    map /= 2;
    for (let b = 0; b < cfg.depths[st]; b++) {
      const name = `stages.${st}.blocks.${b}`;
      const [cin, stride, window] = [ch, b === 0 ? 2 : 1, map];
      s.block(name, () => (st < 2 ? mbConv(s, name, cin, cout, stride, cfg) : transformer(s, name, cin, cout, stride, window, cfg, relPosDropout)));
      ch = cout;
    }
  });
  s.block('norm', () => s.ln('norm', ch, LN_EPS));
}
