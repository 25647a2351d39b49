/**
 * timm 0.9.2's convnext_tiny (models/convnext.py) in NHWC: 4×4/4 patch stem + LayerNorm, four
 * stages (96, 192, 384, 768 channels; 3, 3, 9, 3 blocks), each after the first opening with
 * LayerNorm + 2×2/2 conv. Block: 7×7 depthwise conv → LayerNorm → Linear ×4 → GELU (erf) →
 * Linear → layer scale `gamma`, + input. LayerNorm eps 1e-6 throughout.
 */
import * as tf from '@tensorflow/tfjs';
import { activate, type Spec } from './ops.js';

const LN_EPS = 1e-6;
const DIMS = [96, 192, 384, 768];
const DEPTHS = [3, 3, 9, 3];

/** Declare convnext_tiny; the output is the last stage's map [B, S/32, S/32, 768] (the head norm comes after pooling). */
export function convnextTinySpec(s: Spec): void {
  s.block('stem', () => {
    const conv = s.conv('stem.0', { cin: 3, cout: DIMS[0], k: 4, stride: 4, bias: true });
    const norm = s.ln('stem.1', DIMS[0], LN_EPS);
    return (x, ctx) => norm(conv(x, ctx), ctx);
  });
  DIMS.forEach((dim, st) => {
    if (st > 0) {
      s.block(`stages.${st}.downsample`, () => {
        const norm = s.ln(`stages.${st}.downsample.0`, DIMS[st - 1], LN_EPS);
        const conv = s.conv(`stages.${st}.downsample.1`, { cin: DIMS[st - 1], cout: dim, k: 2, stride: 2, bias: true });
        return (x, ctx) => conv(norm(x, ctx), ctx);
      });
    }
    for (let b = 0; b < DEPTHS[st]; b++) {
      const name = `stages.${st}.blocks.${b}`;
      s.block(name, () => {
        const dw = s.conv(`${name}.conv_dw`, { cin: dim, cout: dim, k: 7, pad: 3, bias: true, depthwise: true });
        const norm = s.ln(`${name}.norm`, dim, LN_EPS);
        const fc1 = s.linear(`${name}.mlp.fc1`, dim, 4 * dim);
        const fc2 = s.linear(`${name}.mlp.fc2`, 4 * dim, dim);
        const gamma = s.layerScale(`${name}.gamma`, dim);
        return (x, ctx) => tf.add(gamma(fc2(activate(fc1(norm(dw(x, ctx), ctx), ctx), 'gelu'), ctx), ctx), x);
      });
    }
  });
}
