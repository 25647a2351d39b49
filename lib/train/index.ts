// The ONE shared training loop: k folds (+ full fit), optimizers (AdamW, Ranger), schedules,
// evaluation, checkpoints and OOF files. Every model of the project trains through trainKFold.
export * from './types.js';
export * from './loop.js';
export * from './optim.js';
export * from './predict.js';
export * from './artefacts.js';
export * from './presets.js';
export * from './profile.js';
export * from './parallel.js';
export * from './batches.js';
export { BatchLoader } from './loader.js';
