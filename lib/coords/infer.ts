/**
 * Coordinates prediction with models in memory (IO-free: the browser page runs it too); loading
 * checkpoints from disk is predict.ts's.
 */
import * as tf from '@tensorflow/tfjs';
import { ArtefactError } from '../core/errors.js';
import { imageBatch, modelInput } from './dataset.js';
import './layers.js'; // registers SoftArgmax2D so saved coords models load back
import type { Image } from '../image/index.js';
import type { CoordsConfig } from './presets.js';
import { N_POINTS } from './types.js';

/** A trained coordinates model with the config it was trained with. */
export interface CoordsModel {
  model: tf.LayersModel;
  /** The configuration saved with the checkpoint (training settings are not saved with it). */
  config: Omit<CoordsConfig, 'train'>;
  /** Fold number or 'fullfit'. */
  fold: number | 'fullfit';
}

/**
 * Relative disc centres (n × 10, LEVELS order) of 8-bit images, averaged over `models` (a fold
 * ensemble or one model). Deterministic: no augmentation.
 */
export function predictImages(models: readonly CoordsModel[], images: ReadonlyArray<Image<Uint8Array>>, batchSize = 32): Float32Array {
  if (!models.length) throw new ArtefactError('predictImages: no model given');
  const out = new Float32Array(images.length * 2 * N_POINTS);
  // Resized once per model input size, not once per model of the ensemble.
  const inputs = new Map<number, ReturnType<typeof modelInput>[]>();
  for (const m of models) {
    const size = m.config.model.imageSize;
    // 3 gray channels for a timm backbone (read from the model: this file stays free of lib/backbones).
    const channels = m.model.inputs[0].shape[3] === 3 ? 3 : 1;
    if (!inputs.has(size)) inputs.set(size, images.map((img) => modelInput(img, size)));
    const resized = inputs.get(size)!;
    for (let i = 0; i < images.length; i += batchSize) {
      const x = imageBatch(resized.slice(i, i + batchSize), size, channels);
      const pred = tf.tidy(() => m.model.predict(tf.tensor(x.data, x.shape)) as tf.Tensor);
      const values = pred.dataSync();
      pred.dispose();
      for (let k = 0; k < values.length; k++) out[i * 2 * N_POINTS + k] += values[k] / models.length;
    }
  }
  return out;
}
