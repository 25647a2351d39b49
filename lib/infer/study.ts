/**
 * Steps 2–3 of inference (reference §8.2) for ONE study, from prepared stacks on disk: core.ts
 * predicts the disc centres and cuts the level crops, saved here where the level-1 models read them
 * (`{cropsRoot}/predicted/`).
 */
import { join } from 'node:path';
import type { NdArray } from '../core/npy.js';
import type { CoordsModel } from '../coords/infer.js';
import { saveCutCrops, type CropRecord } from '../crops/cut.js';
import { cutStudyCrops, StageError, type StudySeries } from './core.js';

export { StageError, type InferStage, type StudySeries } from './core.js';

export interface StudyCrops {
  /** Per series: relative centres [u, v] × 5 (LEVELS order). */
  coords: Array<StudySeries & { pred: Float32Array }>;
  /** 5 boxes per series, in series then level order. */
  crops: CropRecord[];
}

/**
 * Predict the disc centres of a study's sagittal series and cut and save their crops.
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
  const stacks = series.map((s) => {
    try {
      return loadStack(s.seriesId);
    } catch (e) {
      throw new StageError('coords', e, studyId, s.seriesId);
    }
  });
  const { coords, cuts } = cutStudyCrops(studyId, series, stacks, models, delta);
  const crops = coords.flatMap((s, i) => {
    try {
      return saveCutCrops(join(cropsRoot, 'predicted'), { studyId, ...s }, cuts[i]);
    } catch (e) {
      throw new StageError('crops', e, studyId, s.seriesId);
    }
  });
  return { coords, crops };
}
