import * as tf from '@tensorflow/tfjs';
import { type Attrs, type Backend, type Info, alloc, floatOffset, free, heap, heapF32, run, size, transpose, view, zeros } from './util.js';
import { sliceInfo } from './movement.js';
import { sumAxis } from './reduce.js';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
interface DwAttrs {
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
}

/** tfjs's depthwise gradient asserts dilation 1 (and the CPU reference ignores it), so do we. */
function convInfo(xShape: number[], filterShape: number[], a: DwAttrs) {
  const d = a.dilations ?? 1;
  if ((Array.isArray(d) ? d : [d, d]).some((v) => v !== 1)) throw new Error(`depthwise conv gradients support dilation 1 only, got ${JSON.stringify(d)}`);
  return tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, true, 'channelsLast');
}

/**
 * DepthwiseConv2dNativeBackpropFilter (missing in stock WASM 4.22). Same trick as the dense
 * filter gradient, with the batch folded into channels: x → [1, H, W, B·C], dy → a depthwise
 * filter [OH, OW, B·C, M] with dilation = forward stride; the XNNPACK depthwise conv gives
 * [1, KH, KW, B·C·M], then a sum over B.
 */
export function depthwiseBackpropFilter({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { x, dy } = inputs;
  const a = attrs as unknown as DwAttrs & { filterShape: [number, number, number, number] };
  const ci = convInfo(x.shape, a.filterShape, a);
  const [B, H, W, C] = x.shape;
  const [KH, KW, , M] = a.filterShape;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = ci;
  const { top, left } = ci.padInfo;
  if (size(x.shape) === 0 || size(dy.shape) === 0) return zeros(backend, a.filterShape);
  const bottom = Math.max(0, (OH - 1) * sh + KH - top - H);
  const right = Math.max(0, (OW - 1) * sw + KW - left - W);
  const xT = transpose(backend, x, [1, 2, 0, 3]); // [H, W, B, C]
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, B, C·M]
  const g = run(backend, 'DepthwiseConv2dNative', { x: view(xT, [1, H, W, B * C]), filter: view(dyT, [OH, OW, B * C, M]) }, {
    strides: [1, 1], dilations: [sh, sw], pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
  });
  free(backend, xT, dyT);
  const [, gh, gw] = g.shape; // ≥ KH, KW when 'valid' leaves rows unread
  let k = g;
  if (gh !== KH || gw !== KW) {
    k = sliceInfo(backend, view(g, [gh, gw, B * C * M]), [0, 0, 0], [1, 1, 1], [KH, KW, B * C * M]);
    free(backend, g);
  }
  if (B === 1) return view(k, [KH, KW, C, M]);
  const s = sumAxis(backend, view(k, [KH, KW, B, C * M]), 2);
  free(backend, k);
  return view(s, [KH, KW, C, M]);
}

/**
 * DepthwiseConv2dNativeBackpropInput (missing in stock WASM 4.22): a depthwise conv of the
 * zero-inserted dy (stride > 1) with the spatially flipped filter, channel multiplier folded
 * into channels ([KH, KW, C·M, 1]), then a sum over the multiplier when M > 1. Zero insertion
 * costs s² FLOPs, which is fine for depthwise convs.
 */
export function depthwiseBackpropInput({ inputs, backend, attrs }: { inputs: Record<string, Info>; backend: Backend; attrs: Attrs }): Info {
  const { dy, filter } = inputs;
  const a = attrs as unknown as DwAttrs & { inputShape: [number, number, number, number] };
  const ci = convInfo(a.inputShape, filter.shape, a);
  const [B, H, W, C] = a.inputShape;
  const [KH, KW, , M] = filter.shape;
  const CM = C * M;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = ci;
  const { top, left } = ci.padInfo;
  if (size(dy.shape) === 0 || size(a.inputShape) === 0) return zeros(backend, a.inputShape);
  const w = heap(backend, filter).slice();

  const flipped = alloc(backend, [KH, KW, CM, 1]);
  const fv = heap(backend, flipped);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const src = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * CM;
      fv.set(w.subarray(src, src + CM), (kh * KW + kw) * CM);
    }
  }
  let up = dy;
  const UH = (OH - 1) * sh + 1;
  const UW = (OW - 1) * sw + 1;
  if (sh > 1 || sw > 1) {
    up = alloc(backend, [B, UH, UW, CM]);
    heap(backend, up).fill(0);
    const hv = heapF32(backend);
    const uOff = floatOffset(backend, up);
    const dOff = floatOffset(backend, dy);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          const src = dOff + ((b * OH + i) * OW + j) * CM;
          hv.copyWithin(uOff + ((b * UH + i * sh) * UW + j * sw) * CM, src, src + CM);
        }
      }
    }
  }
  const padT = KH - 1 - top;
  const padL = KW - 1 - left;
  if (padT < 0 || padL < 0) throw new Error(`DepthwiseConv2dNativeBackpropInput: padding ${top}/${left} larger than the filter is not supported`);
  const padB = Math.max(0, H - UH - padT + KH - 1);
  const padR = Math.max(0, W - UW - padL + KW - 1);
  let dx = run(backend, 'DepthwiseConv2dNative', { x: view(up, [B, UH, UW, CM]), filter: flipped }, {
    strides: [1, 1], dilations: [1, 1], pad: [[0, 0], [padT, padB], [padL, padR], [0, 0]],
  });
  free(backend, flipped, up === dy ? null : up);
  if (dx.shape[1] !== H || dx.shape[2] !== W) {
    const cropped = sliceInfo(backend, dx, [0, 0, 0, 0], [1, 1, 1, 1], [B, H, W, CM]);
    free(backend, dx);
    dx = cropped;
  }
  if (M === 1) return dx;
  const s = run(backend, 'Sum', { x: view(dx, [B, H, W, C, M]) }, { axis: [4], keepDims: false });
  free(backend, dx);
  return s;
}
