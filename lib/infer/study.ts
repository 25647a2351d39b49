/**
 * Steps 2–3 of inference (reference §8.2) for ONE study, so a failure stays with its study: the
 * disc centres of each sagittal series from its middle slice, then the 5 level crops through all
 * slices, saved where the level-1 models read them (`{cropsRoot}/predicted/`).
 */
import { join } from 'node:path';
import { asError, SpinelabError } from '../core/errors.js';
import type { NdArray } from '../core/npy.js';
import { middleSliceU8, N_COORDS, predictImages, type CoordsModel } from '../coords/index.js';
import { saveSeriesCrops, type CropRecord } from '../crops/index.js';
import type { SagittalDescription } from '../data/vocabulary.js';

export interface StudySeries {
  seriesId: number;
  description: SagittalDescription;
}

export interface StudyCrops {
  /** Per series: relative centres [u, v] × 5 (LEVELS order). */
  coords: Array<StudySeries & { pred: Float32Array }>;
  /** 5 boxes per series, in series then level order. */
  crops: CropRecord[];
}

/** Which step failed, for the fallbacks table. */
export class StageError extends SpinelabError {
  /** The cause's message, with the series when known (the study is the fallback's key). */
  readonly reason: string;
  constructor(readonly stage: InferStage, cause: unknown, studyId: number, seriesId?: number) {
    super(`${stage}: ${asError(cause).message}`, { studyId, seriesId }, { cause });
    this.reason = `${seriesId !== undefined ? `series ${seriesId}: ` : ''}${asError(cause).message}`;
  }
}

export type InferStage = 'prepare' | 'coords' | 'crops' | 'level1' | 'lvl2';

/**
 * Predict the disc centres of a study's sagittal series and cut their crops.
 * @param loadStack the prepared (slices × rows × cols) stack of a series
 */
export function studyCoordsAndCrops(
  studyId: number,
  series: readonly StudySeries[],
  loadStack: (seriesId: number) => NdArray,
  models: readonly CoordsModel[],
  cropsRoot: string,
  delta: number,
): StudyCrops {
  const stacks: NdArray[] = [];
  let pred: Float32Array;
  for (const s of series) {
    try {
      stacks.push(loadStack(s.seriesId));
    } catch (e) {
      throw new StageError('coords', e, studyId, s.seriesId);
    }
  }
  try {
    pred = predictImages(models, stacks.map((st) => middleSliceU8(st)));
  } catch (e) {
    throw new StageError('coords', e, studyId);
  }
  const coords = series.map((s, i) => ({ ...s, pred: pred.slice(i * N_COORDS, (i + 1) * N_COORDS) }));
  const crops: CropRecord[] = [];
  coords.forEach((s, i) => {
    try {
      crops.push(...saveSeriesCrops(join(cropsRoot, 'predicted'), { studyId, ...s }, stacks[i], s.pred, delta));
    } catch (e) {
      throw new StageError('crops', e, studyId, s.seriesId);
    }
  });
  return { coords, crops };
}
