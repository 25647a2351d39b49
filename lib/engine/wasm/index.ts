import '@tensorflow/tfjs-backend-wasm';

/**
 * Prepare the WASM backend before it is activated. The training kernels (gradients that stock
 * tfjs-backend-wasm 4.22 lacks or runs slowly) are registered here.
 */
export async function prepareWasm(): Promise<void> {
  // Kernel registration is added by lib/engine/wasm/kernels.ts.
}
