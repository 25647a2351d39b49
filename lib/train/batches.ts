import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng.js';
import type { Batch, HostBatch, HostTensor, TrainConfig } from './types.js';

/** Whole batches per epoch (the last incomplete one dropped, reference); a set smaller than one batch is one batch. */
export function stepsPerEpoch(config: TrainConfig, nTrain: number): number {
  return Math.max(1, Math.floor(nTrain / config.batchSize));
}

/** Optimizer steps of a fold. */
export function foldSteps(config: TrainConfig, nTrain: number): number {
  return config.epochs * stepsPerEpoch(config, nTrain);
}

/**
 * The random streams of a fold, all from seed + fold (full fit: seed): the model's initialisers,
 * the epoch shuffles and the batches' augmentations. A loader thread draws `batch` exactly as the
 * training thread would, so prefetched batches are the same batches.
 */
export function foldRngs(config: TrainConfig, fold: number | 'fullfit') {
  const seed = (config.seed ?? 42) + (fold === 'fullfit' ? 0 : fold);
  const rng = new Rng(seed);
  return { seed, model: rng.fork(1), shuffle: rng.fork(2), batch: rng.fork(3) };
}

/** The row indices of every training step of a fold, in order: each epoch shuffled, then cut in batches. */
export function* stepIndices(config: TrainConfig, trainIdx: readonly number[], shuffle: Rng): Generator<number[]> {
  const per = stepsPerEpoch(config, trainIdx.length);
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = shuffle.shuffle(trainIdx);
    for (let b = 0; b < per; b++) yield order.slice(b * config.batchSize, (b + 1) * config.batchSize);
  }
}

function tensorOf(h: HostTensor): tf.Tensor {
  return tf.tensor(h.data, h.shape, h.data instanceof Int32Array ? 'int32' : 'float32');
}

/** A host batch's tensors (the caller disposes them, e.g. with disposeBatch). */
export function tensorsOf(h: HostBatch): Batch {
  const x = Array.isArray(h.x) ? h.x.map(tensorOf) : tensorOf(h.x);
  if (!h.y) return { x };
  return { x, y: Array.isArray(h.y) ? h.y.map(tensorOf) : tensorOf(h.y) };
}

/** The array buffers of a host batch (to transfer it to another thread without a copy). */
export function buffersOf(h: HostBatch): ArrayBuffer[] {
  const all = [...(Array.isArray(h.x) ? h.x : [h.x]), ...(h.y ? (Array.isArray(h.y) ? h.y : [h.y]) : [])];
  return [...new Set(all.map((t) => t.data.buffer as ArrayBuffer))];
}
