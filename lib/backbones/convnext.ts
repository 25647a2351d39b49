/**
 * timm 0.9.2's convnext_tiny (models/convnext.py) in NHWC: 4×4/4 patch stem + LayerNorm, four
 * stages (96, 192, 384, 768 channels; 3, 3, 9, 3 blocks), each after the first opening with
 * LayerNorm + 2×2/2 conv. Block: 7×7 depthwise conv → LayerNorm → Linear ×4 → GELU (erf) →
 * Linear → layer scale `gamma`, + input. LayerNorm eps 1e-6 throughout.
 */
import * as tf from '@tensorflow/tfjs';
import type { Net } from './net.js';

type T = tf.SymbolicTensor;

const LN_EPS = 1e-6;
const DIMS = [96, 192, 384, 768];
const DEPTHS = [3, 3, 9, 3];

/** The last stage's map [B, S/32, S/32, 768] (timm `forward_features`; the head norm comes after pooling). */
export function convnextTinyFeatures(net: Net, input: T): T {
  let x = net.conv(input, 'stem.0', { filters: DIMS[0], kernel: 4, stride: 4, bias: true });
  x = net.ln(x, 'stem.1', LN_EPS);
  DIMS.forEach((dim, s) => {
    if (s > 0) {
      x = net.ln(x, `stages.${s}.downsample.0`, LN_EPS);
      x = net.conv(x, `stages.${s}.downsample.1`, { filters: dim, kernel: 2, stride: 2, bias: true });
    }
    for (let b = 0; b < DEPTHS[s]; b++) {
      const name = `stages.${s}.blocks.${b}`;
      let y = net.conv(x, `${name}.conv_dw`, { filters: dim, kernel: 7, pad: 3, bias: true, depthwise: true });
      y = net.ln(y, `${name}.norm`, LN_EPS);
      y = net.linear(y, `${name}.mlp.fc1`, 4 * dim);
      y = net.act(y, `${name}.mlp.act`, 'gelu');
      y = net.linear(y, `${name}.mlp.fc2`, dim);
      y = net.layerScale(y, name); // timm names this parameter `{block}.gamma`
      x = net.add(y, x, `${name}.add`);
    }
  });
  return x;
}
