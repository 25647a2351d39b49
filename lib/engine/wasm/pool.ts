import * as tf from '@tensorflow/tfjs';
import { type Attrs, type Backend, type Info, alloc, heap } from './util.js';

/**
 * MaxPoolGrad. Stock WASM 4.22 is *wrong*: its running max starts at FLT_MIN (+1.2e-38), so a
 * window whose max is ≤ 0 (every all-zero window after a ReLU) sends its gradient to the wrong
 * element. Here: per window the first maximum in row-major order starting from −∞ (exactly the
 * CPU backend's rule), then scatter-add dy, in JS over heap views.
 */
export function maxPoolGrad({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { dy, input } = inputs;
  const a = attrs as { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const ci = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const [B, H, W, C] = input.shape;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: KH, filterWidth: KW } = ci;
  const { top, left } = ci.padInfo;
  const dx = alloc(backend, input.shape);
  const dv = heap(backend, dx);
  const xv = heap(backend, input);
  const gv = heap(backend, dy);
  dv.fill(0);
  const best = new Float32Array(C);
  const arg = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = oh * sh - top;
      const rs = Math.max(0, r0);
      const re = Math.min(H, r0 + KH);
      for (let ow = 0; ow < OW; ow++) {
        const c0 = ow * sw - left;
        const cs = Math.max(0, c0);
        const ce = Math.min(W, c0 + KW);
        best.fill(-Infinity);
        arg.fill(-1);
        for (let r = rs; r < re; r++) {
          for (let col = cs; col < ce; col++) {
            const base = ((b * H + r) * W + col) * C;
            for (let c = 0; c < C; c++) {
              const v = xv[base + c];
              if (v > best[c]) {
                best[c] = v;
                arg[c] = base + c;
              }
            }
          }
        }
        const g = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) if (arg[c] >= 0) dv[arg[c]] += gv[g + c];
      }
    }
  }
  return dx;
}
