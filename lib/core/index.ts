// Shared plumbing: paths, errors, atomic files, .npy and CSV IO, seeded randomness, progress, preset names.
export * from './paths.js';
export * from './errors.js';
export * from './atomic.js';
export * from './npy.js';
export * from './csv.js';
export * from './rng.js';
export * from './progress.js';
export * from './presets.js';
