// Engine benchmarks: the pipeline's model families on tfjs backends against PyTorch in the same run.
export * from './engine.js';
