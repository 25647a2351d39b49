/**
 * timm 0.9.2's "rw" CoAtNets (models/maxxvit.py, `_rw_coat_cfg`) in NHWC: a conv stem, two stages
 * of MBConv blocks, two stages of transformer blocks with relative-position attention over the
 * whole map, a final LayerNorm. Every stage halves the map (stride 32 in all).
 */
import * as tf from '@tensorflow/tfjs';
import type { RelPosKind, SeAct } from './layers.js';
import type { Net } from './net.js';

type T = tf.SymbolicTensor;

export interface CoatNetConfig {
  embedDims: readonly [number, number, number, number];
  depths: readonly [number, number, number, number];
  stem: readonly [number, number];
  /** SE between the depthwise conv and norm2 (`se_early`) rather than after norm2 (`se`). */
  seEarly: boolean;
  seAct: SeAct;
  /** Bias on the 1×1 conv of a transformer block's downsampling shortcut. */
  shortcutBias: boolean;
  /** Layer scale on both transformer branches (timm init_values set). */
  layerScale: boolean;
  relPos: RelPosKind;
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

/** timm make_divisible(v, 8): round to a multiple of 8, never more than 10 % down. */
function makeDivisible(v: number, divisor = 8): number {
  const n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return n < 0.9 * v ? n + divisor : n;
}

/** Pre-norm MBConv: BN-SiLU → 1×1 expand → BN-SiLU → dw 3×3 (stride) → [SE] → BN-SiLU → [SE] → 1×1, + shortcut. */
function mbConv(net: Net, x: T, name: string, inCh: number, outCh: number, stride: number, cfg: CoatNetConfig): T {
  const mid = makeDivisible(inCh * 4);
  let shortcut = x;
  if (stride === 2) {
    shortcut = net.avgPool2(x, `${name}.shortcut.pool`);
    if (inCh !== outCh) shortcut = net.conv(shortcut, `${name}.shortcut.expand`, { filters: outCh, kernel: 1 });
  } else if (inCh !== outCh) {
    throw new Error(`${name}: a stride-1 MBConv needs equal in/out channels, got ${inCh} → ${outCh}`);
  }
  let y = net.bn(x, `${name}.pre_norm`, BN_EPS, 'silu');
  y = net.conv(y, `${name}.conv1_1x1`, { filters: mid, kernel: 1 });
  y = net.bn(y, `${name}.norm1`, BN_EPS, 'silu');
  y = net.conv(y, `${name}.conv2_kxk`, { filters: mid, kernel: 3, stride, pad: 1, depthwise: true });
  const rd = Math.floor(0.25 * mid);
  if (cfg.seEarly) y = net.se(y, `${name}.se_early`, rd, cfg.seAct);
  y = net.bn(y, `${name}.norm2`, BN_EPS, 'silu');
  if (!cfg.seEarly) y = net.se(y, `${name}.se`, rd, cfg.seAct);
  y = net.conv(y, `${name}.conv3_1x1`, { filters: outCh, kernel: 1 });
  return net.add(y, shortcut, `${name}.add`);
}

/** TransformerBlock2d: x + [ls1]·attn(LN(x)[↓2]), then + [ls2]·MLP(LN(x)); the first block of a stage downsamples. */
function transformer(net: Net, x: T, name: string, inCh: number, outCh: number, stride: number, window: [number, number], cfg: CoatNetConfig): T {
  let shortcut = x;
  let y: T;
  if (stride === 2) {
    shortcut = net.avgPool2(x, `${name}.shortcut.pool`);
    if (inCh !== outCh) shortcut = net.conv(shortcut, `${name}.shortcut.expand`, { filters: outCh, kernel: 1, bias: cfg.shortcutBias });
    y = net.avgPool2(net.ln(x, `${name}.norm1.norm`, LN_EPS), `${name}.norm1.down`);
  } else {
    if (inCh !== outCh) throw new Error(`${name}: a stride-1 transformer block needs equal in/out channels, got ${inCh} → ${outCh}`);
    y = net.ln(x, `${name}.norm1`, LN_EPS);
  }
  y = net.attention(y, `${name}.attn`, { dimOut: outCh, dimHead: DIM_HEAD, window, relPos: cfg.relPos, relPosHidden: cfg.relPosHidden });
  if (cfg.layerScale) y = net.layerScale(y, `${name}.ls1`);
  x = net.add(shortcut, y, `${name}.add1`);
  let m = net.ln(x, `${name}.norm2`, LN_EPS);
  m = net.conv(m, `${name}.mlp.fc1`, { filters: 4 * outCh, kernel: 1, bias: true });
  m = net.act(m, `${name}.mlp.act`, 'gelu');
  m = net.conv(m, `${name}.mlp.fc2`, { filters: outCh, kernel: 1, bias: true });
  if (cfg.layerScale) m = net.layerScale(m, `${name}.ls2`);
  return net.add(x, m, `${name}.add2`);
}

/**
 * The feature map after the final norm, [B, S/32, S/32, C] for input [B, S, S, 3] (timm
 * `forward_features`). `size` must be a multiple of 32: the relative-position tables are laid out
 * for the stage's map size (timm sizes them from `img_size` in the same way).
 */
export function coatnetFeatures(net: Net, input: T, size: number, cfg: CoatNetConfig): T {
  let x = net.conv(input, 'stem.conv1', { filters: cfg.stem[0], kernel: 3, stride: 2, pad: 1 });
  x = net.bn(x, 'stem.norm1', BN_EPS, 'silu');
  x = net.conv(x, 'stem.conv2', { filters: cfg.stem[1], kernel: 3, pad: 1 });
  let ch = cfg.stem[1];
  let map = size / 2;
  cfg.embedDims.forEach((outCh, s) => {
    map /= 2;
    for (let b = 0; b < cfg.depths[s]; b++) {
      const name = `stages.${s}.blocks.${b}`;
      const stride = b === 0 ? 2 : 1;
      x = s < 2 ? mbConv(net, x, name, ch, outCh, stride, cfg) : transformer(net, x, name, ch, outCh, stride, [map, map], cfg);
      ch = outCh;
    }
  });
  return net.ln(x, 'norm', LN_EPS);
}
