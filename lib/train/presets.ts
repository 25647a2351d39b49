import type { TrainConfig } from './types.js';

/**
 * Training settings of every stage's CPU presets (tiny, demo, bench): AdamW (weight decay 1e-4),
 * a 5 % linear warmup then cosine decay, gradient clip 1, 4 folds, no full fit.
 * Porting note: the reference trains with Ranger and a linear decay over 10–50 epochs on GPUs; in
 * the few epochs WASM on 2 cores allows, AdamW with a warmup and cosine decay learned faster.
 * Key order is fixed: it is part of the configuration saved with each fold (resume check).
 */
export function cpuTrainConfig(o: {
  epochs: number;
  lr: number;
  batchSize: number;
  /** Evaluate every N optimizer steps (0 = only at the end). Default 0. */
  evalEvery?: number;
  /** Default 4, the folds every stage shares (folds.csv). */
  nFolds?: number;
}): TrainConfig {
  return {
    epochs: o.epochs,
    batchSize: o.batchSize,
    evalBatchSize: 64,
    optimizer: { name: 'adamw', lr: o.lr, weightDecay: 1e-4 },
    schedule: { kind: 'cosine', warmup: 0.05 },
    gradClip: 1,
    evalEvery: o.evalEvery ?? 0,
    nFolds: o.nFolds ?? 4,
    fullFit: false,
    seed: 42,
  };
}
