// The tfjs engine: backend choice, WASM training kernels, custom layers, model IO.
export * from './backend.js';
export * from './layers.js';
export * from './batchnorm.js';
export * from './conv-grad.js';
export * from './io.js';
export * from './profile.js';
