// Competition vocabulary and tables (loaders and folds are added by the data layer).
export * from './vocabulary.js';
