// The tfjs engine: backend choice, WASM training kernels, model IO.
export * from './backend.js';
