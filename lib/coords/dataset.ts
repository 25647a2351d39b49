/**
 * The coordinates dataset as the shared training loop sees it (reference §4.2 `CoordsDataset`):
 * one row per image, the image resized to the model size once, augmented per batch in training.
 * Porting note: the reference augments the full-size image and then resizes to 384; we resize first
 * and augment at the model size (the same transform, see augment.ts; ~10× less pixel work on CPU).
 */
import type { Rng } from '../core/rng.js';
import { resize, type Image } from '../image/index.js';
import { tensorsOf } from '../train/batches.js';
import type { Batch, BatchMode, HostBatch, HostTensor, Row, TrainDataset } from '../train/types.js';
import { augment, type AugmentConfig } from './augment.js';
import { N_POINTS, type CoordsSample, type Keypoints } from './types.js';

export const COORDS_ROW_COLUMNS = ['study_id', 'series_id', 'series_description', 'source'] as const;

/**
 * An 8-bit image resized to size × size, as floats in [0, 1].
 * Porting note: the reference resizes with INTER_LINEAR (to 384 px, a mild shrink); our small
 * models shrink 2–5×, where bilinear sampling aliases, so we average (INTER_AREA).
 */
export function modelInput(image: Image<Uint8Array>, size: number): Image {
  const r = resize(image, { height: size, width: size }, 'area');
  for (let i = 0; i < r.data.length; i++) r.data[i] /= 255;
  return r;
}

/**
 * Stack model-size [0, 1] images into [n, S, S, C] host data. C = 3 repeats the gray value in every
 * channel, as the reference's OpenCV colour read of its 8-bit PNGs does (timm backbones).
 */
export function imageBatch(images: readonly Image[], size: number, channels: 1 | 3): HostTensor & { data: Float32Array } {
  const px = size * size;
  const x = new Float32Array(images.length * px * channels);
  images.forEach((img, b) => {
    if (channels === 1) x.set(img.data, b * px);
    else for (let i = 0; i < px; i++) x[3 * (b * px + i)] = x[3 * (b * px + i) + 1] = x[3 * (b * px + i) + 2] = img.data[i];
  });
  return { data: x, shape: [images.length, size, size, channels] };
}

/** Targets as the loss wants them: relative coordinates, −1 for a missing point. */
function lossTarget(kps: Keypoints): number[] {
  return Array.from(kps, (v) => (Number.isFinite(v) ? v : -1));
}

export class CoordsDataset implements TrainDataset {
  readonly rows: Row[];
  readonly rowColumns = COORDS_ROW_COLUMNS;
  readonly folds: Int32Array;
  /** Model-size inputs, row-aligned. */
  readonly inputs: Image[];

  /**
   * @param samples the images with their targets
   * @param folds fold of each sample (−1: always trained on, never validated)
   * @param size model input size in pixels
   * @param aug training augmentations (null: none)
   * @param channels model input channels (3: the gray image repeated, see {@link imageBatch})
   */
  constructor(readonly samples: readonly CoordsSample[], folds: ArrayLike<number>, readonly size: number, readonly aug: AugmentConfig | null, readonly channels: 1 | 3 = 1) {
    if (folds.length !== samples.length) throw new Error(`CoordsDataset: ${samples.length} samples but ${folds.length} folds`);
    this.folds = Int32Array.from(folds);
    this.rows = samples.map((s) => ({ study_id: s.studyId, series_id: s.seriesId, series_description: s.description, source: s.source }));
    this.inputs = samples.map((s) => modelInput(s.image, size));
  }

  batch(indices: readonly number[], mode: BatchMode, rng: Rng): Batch {
    return tensorsOf(this.hostBatch(indices, mode, rng));
  }

  hostBatch(indices: readonly number[], mode: BatchMode, rng: Rng): HostBatch {
    const images: Image[] = [];
    const y = new Float32Array(indices.length * 2 * N_POINTS);
    indices.forEach((i, b) => {
      let img = this.inputs[i];
      let kps = this.samples[i].target;
      if (mode === 'train' && this.aug) ({ img, kps } = augment(img, kps, this.samples[i].image, rng, this.aug));
      images.push(img);
      y.set(lossTarget(kps), b * 2 * N_POINTS);
    });
    return { x: imageBatch(images, this.size, this.channels), y: { data: y, shape: [indices.length, 2 * N_POINTS] } };
  }
}
