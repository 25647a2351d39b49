/**
 * The crop dataset: one row per (sagittal series, level), its crop stack, frames, augmentations,
 * targets. Reference: prepare_data_crop / prepare_data_scs (§3.3–3.4) and CropDataset (§5.2).
 */
import type { Rng } from '../core/rng.js';
import { LEVELS, targetIndex, type SagittalDescription } from '../data/vocabulary.js';
import { tensorsOf } from '../train/batches.js';
import type { Batch, BatchMode, HostBatch, Row, TrainDataset } from '../train/types.js';
import { toInterleaved, warpResize, type Image } from '../image/index.js';
import { augmentSample, flipChannels, flipTargets, mixupBatch } from './augment.js';
import { frameIndices, gatherChannels, jitterLimit, type Stack8 } from './frames.js';
import type { ClassifyModelConfig, ClassifyTarget, CropSet } from './presets.js';

/** One (sagittal series, level) sample. */
export interface CropRow {
  studyId: number;
  seriesId: number;
  description: SagittalDescription;
  /** Level index 0..4 (LEVELS order). */
  level: number;
  /** The study's labels at this level in CLASSES_CROP order [SCS, L-NFN, R-NFN, L-SS, R-SS]; -1 missing. */
  labels: Int8Array;
  /** Cross-validation fold of the study (-1 = none, e.g. inference rows). */
  fold: number;
}

/** The row table written next to OOF outputs (brief contract: `oof_rows.csv`). */
export const ROW_COLUMNS = ['study_id', 'series_id', 'series_description', 'level'] as const;

export function rowRecord(r: CropRow): Row {
  return { study_id: r.studyId, series_id: r.seriesId, series_description: r.description, level: LEVELS[r.level] };
}

/**
 * Attach labels and folds: each row carries the STUDY's 5 labels of its level, whichever series
 * type it is (reference §3.4). `target = 'scs'` keeps Sagittal T2/STIR rows only (§3.3). Studies
 * without labels get all -1; studies without a fold get -1.
 */
export function buildCropRows(
  index: readonly Omit<CropRow, 'labels' | 'fold'>[],
  labels: ReadonlyMap<number, ArrayLike<number>>,
  folds: ReadonlyMap<number, number>,
  target: ClassifyTarget,
): CropRow[] {
  const rows: CropRow[] = [];
  for (const r of index) {
    if (target === 'scs' && r.description !== 'Sagittal T2/STIR') continue;
    const study = labels.get(r.studyId);
    const l = new Int8Array(5).fill(-1);
    if (study) for (let c = 0; c < 5; c++) l[c] = study[targetIndex(c, r.level)];
    rows.push({ ...r, labels: l, fold: folds.get(r.studyId) ?? -1 });
  }
  return rows;
}

/**
 * Where samples get their crops from, as 8-bit stacks: files (CropStore, store.ts) or memory (the
 * browser page). A missing crop is an error, never a black image (§11 item 6).
 */
export interface CropSource {
  get(set: CropSet, r: Pick<CropRow, 'studyId' | 'seriesId' | 'level'>): Stack8;
}

/** What a sample is made of before batching: the planar image (3·n × S × S) and its targets. */
export interface Sample {
  image: Image;
  /** One-hot rows (5 × 3, or 1 × 3 for SCS); all-zero row = missing label. */
  target: Float32Array;
  /** The slice index of each channel (3·n), after jitter and edge handling (before flip). */
  slices: Int32Array;
  flipped: boolean;
}

/** The part of a model config the sample pipeline needs. */
export type SampleConfig = Pick<ClassifyModelConfig, 'target' | 'nFrames' | 'imageSize' | 'augment' | 'flip' | 'trainCrops'>;

export function oneHot(labels: ArrayLike<number>): Float32Array {
  const out = new Float32Array(labels.length * 3);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) out[3 * i + labels[i]] = 1;
  return out;
}

/**
 * One sample. Training: crop set `cfg.trainCrops`, centre jitter, augmentations, random flip.
 * Evaluation: `predicted` crops, no randomness.
 */
export function makeSample(store: CropSource, row: CropRow, cfg: SampleConfig, mode: BatchMode, rng: Rng): Sample {
  const train = mode === 'train';
  const stack = store.get(train ? cfg.trainCrops : 'predicted', row);
  const lim = jitterLimit(cfg.nFrames);
  const slices = frameIndices(stack.slices, cfg.nFrames, train ? rng.int(-lim, lim) : 0);
  const planar: Image = { data: gatherChannels(stack, slices), channels: slices.length, height: stack.height, width: stack.width };
  let image = train && cfg.augment ? augmentSample(planar, cfg.imageSize, cfg.augment, rng) : warpResize(planar, { height: cfg.imageSize, width: cfg.imageSize });
  let labels = cfg.target === 'all' ? row.labels : row.labels.subarray(0, 1);
  const flipped = train && cfg.flip && rng.random() < 0.5;
  if (flipped) {
    image = flipChannels(image);
    if (cfg.target === 'all') labels = flipTargets(row.labels);
  }
  return { image, target: oneHot(labels), slices, flipped };
}

/** Copy a planar sample (3·n × S × S) into NHWC frames (n × S × S × 3) at `offset` of `out`. */
export function planarToFrames(image: Image, out: Float32Array, offset: number): void {
  const frameSize = image.height * image.width * 3;
  for (let f = 0; f < image.channels / 3; f++) toInterleaved(image, out, offset + f * frameSize, 3 * f, 3);
}

/**
 * The crop dataset as the shared training loop sees it. Batches: x `[B, n, S, S, 3]` in [0, 1],
 * y `[B, 5, 3]` (all targets) or `[B, 3]` (SCS), soft after mixup, all-zero rows = missing.
 */
export class CropDataset implements TrainDataset {
  readonly rows: Row[];
  readonly rowColumns = ROW_COLUMNS;
  readonly folds: Int32Array;

  constructor(readonly cropRows: readonly CropRow[], readonly store: CropSource, readonly cfg: SampleConfig & Pick<ClassifyModelConfig, 'mixup'>) {
    this.rows = cropRows.map(rowRecord);
    this.folds = Int32Array.from(cropRows, (r) => r.fold);
  }

  batch(indices: readonly number[], mode: BatchMode, rng: Rng): Batch {
    return tensorsOf(this.hostBatch(indices, mode, rng));
  }

  hostBatch(indices: readonly number[], mode: BatchMode, rng: Rng): HostBatch {
    const { nFrames: n, imageSize: S, target } = this.cfg;
    const B = indices.length;
    const sampleSize = n * S * S * 3;
    const rowsPerSample = target === 'all' ? 5 : 1;
    const x = new Float32Array(B * sampleSize);
    const y = new Float32Array(B * rowsPerSample * 3);
    indices.forEach((i, b) => {
      const s = makeSample(this.store, this.cropRows[i], this.cfg, mode, rng);
      planarToFrames(s.image, x, b * sampleSize);
      y.set(s.target, b * rowsPerSample * 3);
    });
    if (mode === 'train' && this.cfg.mixup.p > 0 && B > 1 && rng.random() < this.cfg.mixup.p) {
      mixupBatch(x, y, B, rowsPerSample, rng, this.cfg.mixup.alpha);
    }
    return { x: { data: x, shape: [B, n, S, S, 3] }, y: { data: y, shape: target === 'all' ? [B, 5, 3] : [B, 3] } };
  }
}
