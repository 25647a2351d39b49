/**
 * timm 0.9.2's resnet18 (models/resnet.py, BasicBlock ×[2, 2, 2, 2]) in NHWC: 7×7/2 conv stem,
 * BN-ReLU, 3×3/2 max pool (padding 1), four stages with the stride in the first 3×3 conv and a
 * 1×1/stride conv + BN shortcut where the shape changes. BatchNorm eps 1e-5. Stride 32, 512 channels.
 */
import * as tf from '@tensorflow/tfjs';
import type { Op, Spec } from './ops.js';

const BN_EPS = 1e-5;
const WIDTHS = [64, 128, 256, 512];
const DEPTHS = [2, 2, 2, 2];

/** Declare resnet18; the output is the last stage's map [B, S/32, S/32, 512] (timm `forward_features`). */
export function resnet18Spec(s: Spec): void {
  s.block('stem', () => {
    const conv1 = s.conv('conv1', { cin: 3, cout: 64, k: 7, stride: 2, pad: 3 });
    const bn1 = s.bn('bn1', 64, BN_EPS, 'relu');
    // After the ReLU every value is ≥ 0, so zero padding never wins a window: torch's −∞ padding.
    return (x, ctx) => tf.maxPool(bn1(conv1(x, ctx), ctx) as tf.Tensor4D, 3, 2, 1);
  });
  let ch = 64;
  WIDTHS.forEach((width, st) => {
    for (let b = 0; b < DEPTHS[st]; b++) {
      const name = `layer${st + 1}.${b}`;
      const [cin, stride] = [ch, st > 0 && b === 0 ? 2 : 1];
      s.block(name, () => {
        const conv1 = s.conv(`${name}.conv1`, { cin, cout: width, k: 3, stride, pad: 1 });
        const bn1 = s.bn(`${name}.bn1`, width, BN_EPS, 'relu');
        const conv2 = s.conv(`${name}.conv2`, { cin: width, cout: width, k: 3, pad: 1 });
        const bn2 = s.bn(`${name}.bn2`, width, BN_EPS);
        let down: Op = (x) => x;
        if (stride !== 1 || cin !== width) {
          const dc = s.conv(`${name}.downsample.0`, { cin, cout: width, k: 1, stride });
          const dn = s.bn(`${name}.downsample.1`, width, BN_EPS);
          down = (x, ctx) => dn(dc(x, ctx), ctx);
        }
        return (x, ctx) => tf.relu(tf.add(bn2(conv2(bn1(conv1(x, ctx), ctx), ctx), ctx), down(x, ctx)));
      });
      ch = width;
    }
  });
}
