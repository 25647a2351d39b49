// Competition vocabulary, validated table loaders and cross-validation folds.
export * from './vocabulary.js';
export * from './tables.js';
export * from './folds.js';
export * from './series-type.js';
