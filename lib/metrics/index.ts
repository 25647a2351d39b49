// The competition metric (host's scorer), its file readers, and the reference's own metric and
// level-2 training loss.
export * from './score.js';
export * from './io.js';
export * from './losses.js';
export * from './priors.js';
