import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { captureStock, replaceKernel, restoreStockKernel } from './util.js';
import { conv2DBackpropFilter, conv2DBackpropInput } from './conv.js';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from './depthwise.js';
import { maxPoolGrad } from './pool.js';
import { reverse, slice, stridedSlice, tile } from './movement.js';
import { mean, sum } from './reduce.js';
import { batchMatMul, fusedMatMul } from './matmul.js';
import { identity, leakyRelu, leakyReluGrad } from './elementwise.js';
import { pruneConvInputGradients } from '../conv-grad.js';

/**
 * The WASM kernels we add or replace, and why (measured in the design notes, checked against the
 * CPU backend in tests/engine/kernels.test.ts):
 * missing in stock 4.22 (training throws): Conv2DBackpropFilter, DepthwiseConv2dNativeBackprop*;
 * wrong: MaxPoolGrad; slow (scalar loops or whole-input copies): Conv2DBackpropInput, Tile,
 * Sum/Mean over leading axes, Slice, StridedSlice, Reverse, (Fused)MatMul with transpose flags, batched BatchMatMul,
 * LeakyRelu (and its gradient, registered globally), Identity (copied the data).
 */
export const WASM_KERNELS = {
  Conv2DBackpropFilter: conv2DBackpropFilter,
  Conv2DBackpropInput: conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  MaxPoolGrad: maxPoolGrad,
  Tile: tile,
  Slice: slice,
  StridedSlice: stridedSlice,
  Reverse: reverse,
  Sum: sum,
  Mean: mean,
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  Identity: identity,
  LeakyRelu: leakyRelu,
} as const;

/** The kernels stock WASM 4.22 lacks: without them a conv net cannot train at all. */
export const MISSING_IN_STOCK = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'] as const;

let prepared = false;

/**
 * Prepare the WASM backend before it is activated: register the training kernels that stock
 * tfjs-backend-wasm 4.22 lacks, gets wrong or runs slowly, and prune the unused data-input
 * gradient of tf.layers convs. Idempotent.
 */
export async function prepareWasm(): Promise<void> {
  if (prepared) return;
  // Our kernels call stock ones directly; capture them all now, before anyone wraps the registry.
  for (const k of tf.getKernelsForBackend('wasm')) captureStock(k.kernelName);
  for (const [name, fn] of Object.entries(WASM_KERNELS)) replaceKernel(name, fn);
  tf.registerGradient(leakyReluGrad);
  // Not a kernel: stops tf.layers convs computing the gradient of their data input (see conv-grad.ts).
  pruneConvInputGradients(true);
  prepared = true;
}

/**
 * Which kernel set is active (for benchmarks and diagnosis): 'full' = all of ours (the default
 * after prepareWasm), 'minimal' = stock kernels plus only the ones stock lacks. Call between
 * steps, not inside a kernel.
 */
export function setWasmKernelSet(set: 'full' | 'minimal'): void {
  if (!prepared) throw new Error('setWasmKernelSet: call prepareWasm() (initBackend) first');
  for (const [name, fn] of Object.entries(WASM_KERNELS)) {
    if (set === 'full' || (MISSING_IN_STOCK as readonly string[]).includes(name)) replaceKernel(name, fn);
    else restoreStockKernel(name);
  }
}
