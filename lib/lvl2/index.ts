// Level 2: per-study features from the level-1 OOF logits and the three-head MLP (SCS, NFN, SS).
export * from './features.js';
export * from './model.js';
export * from './presets.js';
export * from './train.js';
export * from './predict.js';
export * from './evaluate.js';
