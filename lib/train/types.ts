import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.js';
import type { OnProgress } from '../core/progress.js';

/**
 * The API of the ONE shared training loop (reference `training/train.py::fit` + `main.py::k_fold`,
 * docs/porting.md §5.8–5.9). Every model of the project (coords, crop classifiers, level 2)
 * trains through `trainKFold(task, config, options)` in lib/train/loop.ts.
 *
 * A model plugs in by describing a {@link TrainTask}: its rows (with folds), how to build a batch of
 * tensors, a fresh model, its loss and (optionally) a validation metric.
 */

/** One value of a row table cell (written to `oof_rows.csv`). */
export type RowValue = string | number;
/** One sample's row, e.g. `{study_id, series_id, series_description, level}`. */
export type Row = Record<string, RowValue>;

/** What the saved predictions are. Level 2 reads only `logits` (docs/porting.md §11 item 9). */
export type PredictionKind = 'logits' | 'probabilities' | 'values';

/** A batch of tensors. The loop disposes every tensor in it after use. */
export interface Batch {
  /** Model input(s), in the order of the model's inputs. */
  x: tf.Tensor | tf.Tensor[];
  /** Target(s) given to {@link TrainTask.loss}; may be absent for prediction-only batches. */
  y?: tf.Tensor | tf.Tensor[];
}

export type BatchMode = 'train' | 'eval';

/** A tensor's data on the host: C-order values and shape (int32 targets as an Int32Array). */
export interface HostTensor {
  data: Float32Array | Int32Array;
  shape: number[];
}

/** A batch as arrays, before it becomes tensors: what a loader thread makes ahead and hands over. */
export interface HostBatch {
  x: HostTensor | HostTensor[];
  y?: HostTensor | HostTensor[];
}

/** A dataset as the loop sees it: N rows, a fold per row, and a batch factory. */
export interface TrainDataset {
  /** One row per sample, saved row-aligned with the OOF predictions. */
  readonly rows: readonly Row[];
  /** Column order of the row table (`oof_rows.csv`); `fold` is appended by the loop. */
  readonly rowColumns: readonly string[];
  /**
   * Fold of each row (index-aligned with `rows`); -1 = always in training, never validated
   * (e.g. external coordinate images, reference §3.6).
   */
  readonly folds: ArrayLike<number>;
  /**
   * Tensors for the samples `indices` (in that order). `mode = 'train'` may augment (and mix up)
   * using `rng`; `mode = 'eval'` must be deterministic and must not drop or reorder samples.
   */
  batch(indices: readonly number[], mode: BatchMode, rng: Rng): Batch | Promise<Batch>;
  /**
   * The same batch as arrays, with the same draws from `rng` (`batch` is then `tensorsOf(hostBatch(…))`).
   * A dataset that has it can be prefetched by a loader thread (TrainModelsOptions.prefetch).
   */
  hostBatch?(indices: readonly number[], mode: BatchMode, rng: Rng): HostBatch | Promise<HostBatch>;
}

/** A validation metric computed on the whole validation set (lower or higher: the task says). */
export interface MetricResult {
  /** The headline value (e.g. competition score, AUC, mean distance). */
  value: number;
  /** Named parts shown in logs and learning curves (e.g. `{spinal, foraminal, …}`). */
  parts?: Record<string, number>;
}

export interface TrainTask {
  /** Model name: artefacts go to `{outDir}/models/{name}/`. */
  name: string;
  data: TrainDataset;
  /**
   * A fresh, untrained model. `rng` is seeded with 42 + fold (full fit: 42): pass seeds drawn from
   * it to the layer initialisers so runs are reproducible. The model must have ONE output tensor.
   */
  buildModel(ctx: { fold: number | 'fullfit'; rng: Rng }): tf.LayersModel;
  /**
   * Forward pass; default `model.apply(x, {training})`. Override for custom control flow.
   * Called inside tf.tidy.
   */
  forward?(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], training: boolean): tf.Tensor;
  /** Scalar training loss of a batch (mean over the batch). Called inside tf.tidy / variableGrads. */
  loss(pred: tf.Tensor, y: tf.Tensor | tf.Tensor[]): tf.Scalar;
  /** What the model output is; saved in the manifest (`kind`) and in the OOF file name. */
  outputKind: PredictionKind;
  /**
   * Validation metric on the raw outputs of all validation rows (`pred` is C-order, shape
   * `[n, ...outputShape]`, row-aligned with `indices` into `data.rows`).
   */
  metric?(pred: Float32Array, shape: readonly number[], indices: readonly number[]): MetricResult;
  /** Name of the metric in logs and curves, e.g. "score", "auc", "dist". */
  metricName?: string;
  /** Extra fields for `manifest.json` and the checkpoint's meta (e.g. `{nFrames: 13}`). */
  meta?: Record<string, unknown>;
}

export type OptimizerName = 'adamw' | 'ranger';

export interface OptimizerConfig {
  /**
   * `adamw`: Adam with decoupled weight decay (torch.optim.AdamW).
   * `ranger`: RAdam (torch defaults) inside Lookahead(k = 5, α = 0.5), as the reference's Ranger.
   */
  name: OptimizerName;
  lr: number;
  /** Default [0.9, 0.999]. */
  betas?: [number, number];
  /** Default 1e-8. */
  eps?: number;
  /**
   * Weight decay; decoupled for AdamW (p ← p·(1 − lr·wd)), L2 for RAdam (torch semantics).
   * Variables whose name contains "bias" (and BN "beta") get none. Default 0.
   */
  weightDecay?: number;
  /** Lookahead sync period and step (ranger only). Defaults 5 and 0.5. */
  lookaheadK?: number;
  lookaheadAlpha?: number;
}

export interface ScheduleConfig {
  /** lr multiplier over the run: linear to 0, cosine to 0 (half period), or constant. */
  kind: 'linear' | 'cosine' | 'constant';
  /** Warmup steps (linear ramp from 0), or a fraction of the total steps when < 1. Default 0. */
  warmup?: number;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  /** Validation / prediction batch size. Default = batchSize. */
  evalBatchSize?: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  /** Clip the global gradient norm at this value (reference: 1.0); 0 = no clipping. */
  gradClip: number;
  /**
   * Evaluate every `evalEvery` optimizer steps and at the end; evaluations within the last
   * `evalEvery` steps before the end are skipped (reference rule). 0 = only at the end.
   */
  evalEvery: number;
  /** Number of folds in the fold column (reference: 4). */
  nFolds: number;
  /** Folds to train (default all 0..nFolds-1). OOF files are written only when all are trained. */
  folds?: number[];
  /** Also train one model on all rows (seed 42), validated on fold 0 (in-sample; reference §5.8). */
  fullFit?: boolean;
  /** Seed base: fold f uses seed + f, the full fit uses seed. Default 42. */
  seed?: number;
}

/** One point of a learning curve, emitted at every evaluation. */
export interface CurvePoint {
  fold: number | 'fullfit';
  /** Optimizer steps done so far in this fold. */
  step: number;
  /** Fractional epoch (step / steps per epoch). */
  epoch: number;
  lr: number;
  /** Mean training loss since the previous evaluation. */
  trainLoss: number;
  valLoss: number;
  /** Validation metric, when the task defines one. */
  metric?: number;
  parts?: Record<string, number>;
}

/** Everything the loop reports while it runs (libraries never print; see lib/core/progress.ts). */
export type TrainEvent =
  | { type: 'fold-start'; fold: number | 'fullfit'; nTrain: number; nVal: number; steps: number; params: number }
  | { type: 'step'; fold: number | 'fullfit'; step: number; steps: number; lr: number; loss: number }
  | { type: 'eval'; point: CurvePoint }
  | { type: 'fold-end'; fold: number | 'fullfit'; result: FoldResult }
  | { type: 'fold-skipped'; fold: number | 'fullfit'; result: FoldResult; reason: string };

export interface TrainOptions {
  /** Artefact root; the model folder is `{outDir}/models/{task.name}/`. */
  outDir: string;
  /** Called on every event (live learning curves in the notebook, log lines in the CLI). */
  onEvent?: (e: TrainEvent) => void;
  /** Step progress, for a progress bar. */
  onProgress?: OnProgress;
  /**
   * What to do with a finished fold whose saved config differs from this run's: 'error' (default)
   * or 'retrain'. Finished folds with the same config are always skipped (resume).
   */
  onConfigChange?: 'error' | 'retrain';
  /** Time the parts of every training step (data, kernels, tfjs JS) into `TrainResult.profile`. */
  profile?: boolean;
}

/**
 * Where the time of a model's training went (`profile: true`), summed over the folds trained now.
 * A step = making the batch (data) + forward, backward and optimizer update (kernels + tfjs JS).
 */
export interface TrainProfile {
  folds: number;
  steps: number;
  /**
   * ms getting the training batches: `data.batch` (sampling, augmentation, frame assembly, tensors),
   * or with a loader thread (prefetch) the wait for its next batch and the tensors' creation.
   */
  dataMs: number;
  /** ms inside backend kernels during training steps (WASM, and the JS side of our WASM kernels). */
  kernelMs: number;
  /** The rest of the training steps: tfjs engine, autograd tape, optimizer and clipping JS. */
  jsMs: number;
  /** ms in validation passes (their batches, forward and metric). */
  evalMs: number;
  /** Wall-clock ms of the folds (steps, evaluations, yields, events, saving). */
  wallMs: number;
  /** The heaviest kernels of the training steps. */
  kernels: { kernel: string; ms: number; calls: number }[];
}

export interface FoldResult {
  fold: number | 'fullfit';
  nTrain: number;
  nVal: number;
  steps: number;
  /** Final validation loss and metric (the last evaluation = end of training; no best-epoch pick). */
  valLoss: number;
  metric?: number;
  parts?: Record<string, number>;
  curve: CurvePoint[];
  /** Seconds spent training this fold (as recorded when it was trained; a skipped fold keeps its own). */
  seconds: number;
}

/**
 * Files in `{outDir}/models/{name}/`:
 * - `fold_{f}/` checkpoint (ENGINE `saveModel`: model.json, weights.bin, meta.json),
 *   `fold_{f}/val_{kind}.npy` + `fold_{f}/val_rows.csv` (the fold's validation predictions),
 *   `fold_{f}/result.json` (written last: its presence marks the fold finished);
 * - `fullfit/` the same for the full fit;
 * - `oof_{kind}.npy` (N × outputShape, float32) + `oof_rows.csv` (row columns + `fold`),
 *   row-aligned, validation rows of all folds in fold order;
 * - `manifest.json` ({@link TrainManifest}); `log.txt` (one line per event).
 */
export interface TrainManifest {
  kind: PredictionKind;
  model: string;
  /** File names of the OOF predictions and rows, relative to the model folder. */
  oof: string;
  rows: string;
  /** Shape of the OOF array. */
  shape: number[];
  nFolds: number;
  folds: number[];
  fullFit: boolean;
  metricName?: string;
  /** CV = metric of the concatenated OOF predictions (when the task has a metric). */
  cv?: MetricResult;
  foldResults: FoldResult[];
  config: TrainConfig;
  [extra: string]: unknown;
}

export interface TrainResult {
  modelDir: string;
  folds: FoldResult[];
  fullFit?: FoldResult;
  /** Present when every fold was trained: the manifest written next to the OOF files. */
  manifest?: TrainManifest;
  /** With `profile`: the time split of the folds trained now. */
  profile?: TrainProfile;
}
