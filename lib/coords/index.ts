// Coordinates stage (reference §4): middle-slice images, SPIDER landmarks, keypoint augmentations,
// the regression CNN, k-fold training through the shared loop, and prediction.
export * from './types.js';
export * from './image.js';
export * from './targets.js';
export * from './data.js';
export * from './spider.js';
export * from './augment.js';
export * from './dataset.js';
export * from './model.js';
export * from './layers.js';
export * from './metrics.js';
export * from './presets.js';
export * from './predict.js';
export * from './train.js';
export * from './stage.js';
