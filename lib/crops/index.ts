// Crops stage (reference §4.7 step 3, §8.2 step 3): level boxes around the disc centres through
// all slices of each sagittal stack; `predicted` and `fixed` sets in one pass.
export * from './box.js';
export * from './cut.js';
export * from './presets.js';
export * from './stage.js';
