/**
 * Logits of crop classifiers already in memory on crops from any CropSource (IO-free: the browser
 * page runs it too); predict.ts loads the checkpoints from disk and reads the crops from files.
 * Frames, image size and head come from the checkpoint's meta (§11 item 4).
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { SagittalDescription } from '../data/vocabulary.js';
import { disposeBatch, forward } from '../train/predict.js';
import { CropDataset, type CropRow, type CropSource } from './dataset.js';
import './layers.js'; // registers FrameRange, so saved classifiers load back
import type { ClassifyModelMeta } from './model.js';

/** A crop to classify: the level crop of a series, in the `predicted` set of a CropSource. */
export interface CropQuery {
  studyId: number;
  seriesId: number;
  description: SagittalDescription;
  /** Level index 0..4. */
  level: number;
}

export interface CropLogits {
  /** C order, `[rows, 5, 3]` (all targets, CLASSES_CROP order) or `[rows, 3]` (SCS). */
  logits: Float32Array;
  shape: number[];
  meta: ClassifyModelMeta;
}

/** The checkpoints of one crop classifier (folds or a full fit), checked to agree on `meta`. */
export interface CropClassifiers {
  models: tf.LayersModel[];
  meta: ClassifyModelMeta;
}

/** Series types a model is applied to: SCS models read Sagittal T2/STIR only (reference §8.2). */
export function appliesTo(meta: Pick<ClassifyModelMeta, 'target'>, description: SagittalDescription): boolean {
  return meta.target === 'all' || description === 'Sagittal T2/STIR';
}

/**
 * Mean logits of the checkpoints on `rows` without augmentation. Each batch of frames is made once
 * and run through every checkpoint.
 */
export async function cropLogits(
  classifiers: CropClassifiers,
  rows: readonly CropQuery[],
  source: CropSource,
  batchSize = 32,
): Promise<CropLogits> {
  const { models, meta } = classifiers;
  const bad = rows.find((r) => !appliesTo(meta, r.description));
  if (bad) throw new UsageError(`model ${meta.name} predicts SCS from Sagittal T2/STIR only; got a ${bad.description} row (study ${bad.studyId}, series ${bad.seriesId})`);
  const cropRows: CropRow[] = rows.map((r) => ({ ...r, labels: new Int8Array(5).fill(-1), fold: -1 }));
  const data = new CropDataset(cropRows, source, {
    target: meta.target, nFrames: meta.nFrames, imageSize: meta.imageSize, augment: null, flip: false,
    trainCrops: 'predicted', mixup: { p: 0, alpha: 0.4 },
  });
  const width = meta.outputShape.reduce((a, b) => a * b, 1);
  const logits = new Float32Array(rows.length * width);
  const rng = new Rng(0); // eval batches do not draw from it
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = await data.batch(Array.from({ length: Math.min(batchSize, rows.length - i) }, (_, k) => i + k), 'eval', rng);
    try {
      for (const model of models) {
        const out = tf.tidy(() => forward({}, model, batch.x, false));
        const values = out.dataSync();
        out.dispose();
        for (let k = 0; k < values.length; k++) logits[i * width + k] += values[k];
      }
    } finally {
      disposeBatch(batch);
    }
  }
  for (let k = 0; k < logits.length; k++) logits[k] /= models.length;
  return { logits, shape: [rows.length, ...meta.outputShape], meta };
}
