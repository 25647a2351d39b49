/**
 * timm 0.9.2's resnet18 (models/resnet.py, BasicBlock ×[2, 2, 2, 2]) in NHWC: 7×7/2 conv stem,
 * BN-ReLU, 3×3/2 max pool, four stages with the stride in the first 3×3 conv and a 1×1/stride
 * conv + BN shortcut where the shape changes. BatchNorm eps 1e-5. Output stride 32, 512 channels.
 */
import * as tf from '@tensorflow/tfjs';
import type { Net } from './net.js';

type T = tf.SymbolicTensor;

const BN_EPS = 1e-5;
const WIDTHS = [64, 128, 256, 512];
const DEPTHS = [2, 2, 2, 2];

/** The last stage's map [B, S/32, S/32, 512] (timm `forward_features`). */
export function resnet18Features(net: Net, input: T): T {
  let x = net.conv(input, 'conv1', { filters: 64, kernel: 7, stride: 2, pad: 3 });
  x = net.bn(x, 'bn1', BN_EPS, 'relu');
  x = net.maxPool(x, 'maxpool', 3, 2, 1);
  let ch = 64;
  WIDTHS.forEach((width, s) => {
    for (let b = 0; b < DEPTHS[s]; b++) {
      const name = `layer${s + 1}.${b}`;
      const stride = s > 0 && b === 0 ? 2 : 1;
      let y = net.conv(x, `${name}.conv1`, { filters: width, kernel: 3, stride, pad: 1 });
      y = net.bn(y, `${name}.bn1`, BN_EPS, 'relu');
      y = net.conv(y, `${name}.conv2`, { filters: width, kernel: 3, pad: 1 });
      y = net.bn(y, `${name}.bn2`, BN_EPS);
      let shortcut = x;
      if (stride !== 1 || ch !== width) {
        shortcut = net.bn(net.conv(x, `${name}.downsample.0`, { filters: width, kernel: 1, stride }), `${name}.downsample.1`, BN_EPS);
      }
      x = net.act(net.add(y, shortcut, `${name}.add`), `${name}.act2`, 'relu');
      ch = width;
    }
  });
  return x;
}
