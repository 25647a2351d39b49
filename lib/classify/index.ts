// Stage 2: the 2.5-D crop classifiers (docs/porting.md §5): dataset, augmentations, models,
// training through the shared loop, OOF logits, and prediction for inference.
export * from './frames.js';
export * from './augment.js';
export * from './presets.js';
export * from './layers.js';
export * from './model.js';
export * from './dataset.js';
export * from './store.js';
export * from './loss.js';
export * from './train.js';
export * from './predict.js';
export * from './level1.js';
export * from './level1-oof.js';
export * from './evaluate.js';
export * from './inspect.js';
