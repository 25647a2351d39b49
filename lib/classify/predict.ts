/**
 * Logits of saved crop classifiers for given crops — the call inference makes (reference §8.2
 * step 4): the checkpoints are loaded from disk, the crops read from `{cropsRoot}/predicted/`, and
 * logits.ts does the rest, so inference reads the model exactly as training and OOF did (§11 item 4).
 */
import type * as tf from '@tensorflow/tfjs';
import { ArtefactError, UsageError } from '../core/errors.js';
import { loadModel } from '../engine/io.js';
import './layers.js'; // registers FrameRange, so saved classifiers load back
import { cropLogits, type CropClassifiers, type CropLogits, type CropQuery } from './logits.js';
import type { ClassifyModelMeta } from './model.js';
import { CropStore } from './store.js';

export { appliesTo, cropLogits, type CropClassifiers, type CropLogits, type CropQuery } from './logits.js';

const HEAD_KEYS = ['target', 'nFrames', 'imageSize', 'head', 'ranges', 'outputShape'] as const;

/**
 * Load the checkpoints of one classifier. Every checkpoint must be a classifier with the same
 * frames, size and head (they are averaged).
 */
export async function loadCropClassifiers(checkpoints: readonly string[]): Promise<CropClassifiers> {
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
    return { models, meta: first! };
  } catch (e) {
    for (const m of models) m.dispose();
    throw e;
  }
}

/**
 * Mean logits of the checkpoints (e.g. the fold models, or one full-fit model) on `rows`, read
 * from the `predicted` crop set under `cropsRoot`, without augmentation. A missing crop is an
 * ArtefactError naming it.
 */
export async function predictCropLogits(
  checkpoints: readonly string[],
  rows: readonly CropQuery[],
  opts: { cropsRoot: string; batchSize?: number; store?: CropStore },
): Promise<CropLogits> {
  const classifiers = await loadCropClassifiers(checkpoints);
  try {
    return await cropLogits(classifiers, rows, opts.store ?? new CropStore(opts.cropsRoot), opts.batchSize);
  } finally {
    for (const m of classifiers.models) m.dispose();
  }
}
