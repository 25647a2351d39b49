// Shared plumbing: paths, errors, atomic files, .npy and CSV IO, seeded randomness, progress.
export * from './paths.js';
export * from './errors.js';
export * from './atomic.js';
export * from './npy.js';
export * from './csv.js';
export * from './rng.js';
export * from './progress.js';
