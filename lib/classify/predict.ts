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
import { Rng } from '../core/rng.js';
import { disposeBatch, forward } from '../train/predict.js';
import { CropDataset, CropStore, type CropRow } from './dataset.js';
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
 * classifier with the same frames, size and head, so each batch of frames is made once and run
 * through every checkpoint. A missing crop is an ArtefactError naming it.
 */
export async function predictCropLogits(
  checkpoints: readonly string[],
  rows: readonly CropQuery[],
  opts: { cropsRoot: string; batchSize?: number; store?: CropStore },
): Promise<CropLogits> {
  if (!checkpoints.length) throw new UsageError('predictCropLogits: no checkpoint given');
  const models: tf.LayersModel[] = [];
  try {
    let first: ClassifyModelMeta | undefined;
    for (const dir of checkpoints) {
      const { model, meta } = await loadModel<ClassifyModelMeta>(dir);
      models.push(model);
      if (!meta || meta.stage !== 'classify') throw new ArtefactError('not a crop-classifier checkpoint (meta.json lacks stage "classify")', { file: dir });
      if (first) {
        for (const k of HEAD_KEYS) {
          if (JSON.stringify(meta[k]) !== JSON.stringify(first[k])) throw new ArtefactError(`checkpoints disagree on ${k}: ${JSON.stringify(first[k])} vs ${JSON.stringify(meta[k])}`, { file: dir });
        }
      } else first = meta;
    }
    const meta = first!;
    const bad = rows.find((r) => !appliesTo(meta, r.description));
    if (bad) throw new UsageError(`model ${meta.name} predicts SCS from Sagittal T2/STIR only; got a ${bad.description} row (study ${bad.studyId}, series ${bad.seriesId})`);
    const cropRows: CropRow[] = rows.map((r) => ({ ...r, labels: new Int8Array(5).fill(-1), fold: -1 }));
    const data = new CropDataset(cropRows, opts.store ?? new CropStore(opts.cropsRoot), {
      target: meta.target, nFrames: meta.nFrames, imageSize: meta.imageSize, augment: null, flip: false,
      trainCrops: 'predicted', mixup: { p: 0, alpha: 0.4 },
    });
    const width = meta.outputShape.reduce((a, b) => a * b, 1);
    const logits = new Float32Array(rows.length * width);
    const batchSize = opts.batchSize ?? 32;
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
  } finally {
    for (const m of models) m.dispose();
  }
}
