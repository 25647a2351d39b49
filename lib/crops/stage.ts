/**
 * The crops stage from folders to artefacts (`spinelab crops`, CoordsInf notebook): the out-of-fold
 * coordinates of every sagittal training series → `{out}/crops/predicted/` and `{out}/crops/fixed/`.
 */
import { join } from 'node:path';
import type { OnProgress } from '../core/progress.js';
import { readSeriesCoords, SERIES_COORDS_FILE, COORDS_MODEL_NAME } from '../coords/index.js';
import { loadStack } from '../prepare/index.js';
import { CROP_SETS, makeCrops, type CropSeriesInput, type CropSetReport, type CropsConfig } from './cut.js';

export interface CropsStageOptions {
  /** Artefact root: coords in `{out}/models/coords/`, crops written to `{out}/crops/`. */
  out: string;
  /** Prepared training split; default `{out}/prepared/train`. */
  preparedDir?: string;
  config: CropsConfig;
  onProgress?: OnProgress;
}

export function runCropsStage(opts: CropsStageOptions): CropSetReport[] {
  const prepared = opts.preparedDir ?? join(opts.out, 'prepared', 'train');
  const coordsFile = join(opts.out, 'models', COORDS_MODEL_NAME, SERIES_COORDS_FILE);
  const series = readSeriesCoords(coordsFile);
  return makeCrops(series, {
    ...opts.config,
    root: join(opts.out, 'crops'),
    sets: CROP_SETS,
    loadStack: (s, r) => loadStack(prepared, s, r),
    meta: { coords: coordsFile, prepared },
    onProgress: opts.onProgress,
  });
}

export interface InferenceCropsOptions {
  /** Prepared split of the series (e.g. `{out}/prepared/test`). */
  preparedDir: string;
  /** Crops root; the set goes to `{root}/predicted/`. */
  root: string;
  config: CropsConfig;
  onProgress?: OnProgress;
}

/**
 * The `predicted` crops of a whole prepared split, e.g. from the centres of `predictPreparedSplit`
 * (lib/coords), cut exactly as the training crops are. (`runInference` cuts study by study with
 * `saveSeriesCrops`, so that a failing study falls back alone.)
 */
export function cropPreparedSeries(series: readonly CropSeriesInput[], opts: InferenceCropsOptions): CropSetReport {
  const [report] = makeCrops(series, {
    ...opts.config,
    root: opts.root,
    sets: ['predicted'],
    loadStack: (s, r) => loadStack(opts.preparedDir, s, r),
    meta: { prepared: opts.preparedDir },
    onProgress: opts.onProgress,
  });
  return report;
}
