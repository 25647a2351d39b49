/**
 * Logits of saved crop classifiers for given crops — the call inference makes (reference §8.2
 * step 4). Frames, image size and head ranges come from the checkpoint's meta, never from the
 * caller, so inference reads the model exactly as training and OOF did (§11 item 4).
 */
import * as tf from '@tensorflow/tfjs';
import { ArtefactError, UsageError } from '../core/errors.js';
import type { SagittalDescription } from '../data/vocabulary.js';
import { loadModel } from '../engine/io.js';
import './layers.js'; // registers FrameRange, so saved classifiers load back
import { predictRows } from '../train/predict.js';
import { CropDataset, CropStore, type CropRow } from './dataset.js';
import { maskedSoftCrossEntropy } from './loss.js';
import type { ClassifyModelMeta } from './model.js';

/** A crop to classify: `{cropsRoot}/predicted/{study}_{series}_{levelSlug}.npy`. */
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

/** Series types a model is applied to: SCS models read Sagittal T2/STIR only (reference §8.2). */
export function appliesTo(meta: Pick<ClassifyModelMeta, 'target'>, description: SagittalDescription): boolean {
  return meta.target === 'all' || description === 'Sagittal T2/STIR';
}

const HEAD_KEYS = ['target', 'nFrames', 'imageSize', 'head', 'ranges', 'outputShape'] as const;

/**
 * Mean logits of the checkpoints (e.g. the fold models, or one full-fit model) on `rows`, read
 * from the `predicted` crop set under `cropsRoot`, without augmentation. Every checkpoint must be a
 * classifier with the same frames, size and head. A missing crop is an ArtefactError naming it.
 */
export async function predictCropLogits(
  checkpoints: readonly string[],
  rows: readonly CropQuery[],
  opts: { cropsRoot: string; batchSize?: number; store?: CropStore },
): Promise<CropLogits> {
  if (!checkpoints.length) throw new UsageError('predictCropLogits: no checkpoint given');
  let sum: Float32Array | null = null;
  let shape: number[] = [];
  let first: ClassifyModelMeta | undefined;
  const store = opts.store ?? new CropStore(opts.cropsRoot);
  for (const dir of checkpoints) {
    const { model, meta } = await loadModel<ClassifyModelMeta>(dir);
    try {
      if (!meta || meta.stage !== 'classify') throw new ArtefactError('not a crop-classifier checkpoint (meta.json lacks stage "classify")', { file: dir });
      if (first) {
        for (const k of HEAD_KEYS) {
          if (JSON.stringify(meta[k]) !== JSON.stringify(first[k])) throw new ArtefactError(`checkpoints disagree on ${k}: ${JSON.stringify(first[k])} vs ${JSON.stringify(meta[k])}`, { file: dir });
        }
      } else first = meta;
      const bad = rows.find((r) => !appliesTo(meta, r.description));
      if (bad) throw new UsageError(`model ${meta.name} predicts SCS from Sagittal T2/STIR only; got a ${bad.description} row (study ${bad.studyId}, series ${bad.seriesId})`);
      const cropRows: CropRow[] = rows.map((r) => ({ ...r, labels: new Int8Array(5).fill(-1), fold: -1 }));
      const data = new CropDataset(cropRows, store, {
        target: meta.target, nFrames: meta.nFrames, imageSize: meta.imageSize, augment: null, flip: false,
        trainCrops: 'predicted', mixup: { p: 0, alpha: 0.4 },
      });
      const task = { data, loss: (p: tf.Tensor, y: tf.Tensor | tf.Tensor[]) => maskedSoftCrossEntropy(p, y as tf.Tensor) };
      const pred = await predictRows(task, model, rows.map((_, i) => i), opts.batchSize ?? 32);
      if (!sum) sum = new Float32Array(pred.data.length);
      for (let i = 0; i < sum.length; i++) sum[i] += pred.data[i];
      shape = pred.shape;
    } finally {
      model.dispose();
    }
  }
  const logits = sum!;
  for (let i = 0; i < logits.length; i++) logits[i] /= checkpoints.length;
  return { logits, shape: shape.length ? shape : [0, ...first!.outputShape], meta: first! };
}
