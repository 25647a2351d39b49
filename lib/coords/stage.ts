/**
 * The coordinates stage from folders to artefacts, as the CLI (`spinelab train coords`) and the
 * Coords notebook run it: prepared training stacks + label points + folds + SPIDER → training.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDataDir } from '../core/paths.js';
import type { OnProgress } from '../core/progress.js';
import { readOrMakeFolds, readTrainLabels } from '../data/index.js';
import { loadLabelPoints, loadPrepared, loadStack } from '../prepare/index.js';
import { coordsSamples } from './data.js';
import type { CoordsConfig } from './presets.js';
import { loadSpider } from './spider.js';
import { trainCoords, COORDS_MODEL_NAME, type CoordsData, type TrainCoordsOptions, type TrainCoordsResult } from './train.js';
import { loadCoordsModel, predictImages, type CoordsModel, type SeriesCoords } from './predict.js';
import { missingKeypoints, N_COORDS } from './types.js';
import { modelDir } from '../train/index.js';

export interface CoordsPaths {
  /** Competition-layout input (train.csv for the folds). */
  input: string;
  /** Artefact root: prepared stacks in `{out}/prepared/train`, folds in `{out}/folds.csv`. */
  out: string;
  /** Prepared training split; default `{out}/prepared/train`. */
  preparedDir?: string;
}

export interface LoadedCoordsData extends CoordsData {
  /** Things the user should know (e.g. SPIDER skipped), shown by the CLI and the notebook. */
  notes: string[];
}

/** SPIDER folder beside the checkout, or null (with the reason) when absent. */
export function spiderDir(): { dir: string | null; reason?: string } {
  const shared = sharedDataDir();
  const dir = shared ? join(shared, 'spider-lumbar') : null;
  if (dir && existsSync(join(dir, 'derived_mask_centroids.csv'))) return { dir };
  return { dir: null, reason: 'external SPIDER images skipped: ../shared/data/spider-lumbar is not beside this checkout' };
}

/** Everything the coordinates model trains and predicts on, for a training split. */
export function loadCoordsData(paths: CoordsPaths, config: CoordsConfig, onProgress?: OnProgress): LoadedCoordsData {
  const prepared = paths.preparedDir ?? join(paths.out, 'prepared', 'train');
  const series = loadPrepared(prepared);
  const labels = readTrainLabels(join(paths.input, 'train.csv'));
  const points = loadLabelPoints(prepared).filter((p) => p.z >= 0);
  const samples = coordsSamples(series, points, (s, r) => loadStack(prepared, s, r), onProgress);
  // Folds of the labelled studies (the file is shared by every stage, as 01_Preparation makes it).
  // Sagittal series of studies without labels have no fold: the fold ensemble predicts them.
  const folds = readOrMakeFolds(join(paths.out, 'folds.csv'), [...labels.keys()], labels, config.train.nFolds, 42);
  const notes: string[] = [];
  let spider: CoordsData['spider'] = null;
  if (config.spider.use) {
    const where = spiderDir();
    if (where.dir) {
      spider = loadSpider(where.dir, config.spider.holdOutCases, 42);
      notes.push(`SPIDER (van der Graaf et al. 2024, CC BY 4.0): ${spider.train.length} slices in every training fold, ${spider.heldOut.length} slices of ${config.spider.holdOutCases} held-out patients for testing, ${spider.skipped.length} skipped`);
    } else notes.push(where.reason!);
  }
  return { series: samples, folds, spider, notes };
}

/** Load the data and train (k folds, OOF coordinates of every sagittal series, report). */
export async function runCoordsStage(paths: CoordsPaths, config: CoordsConfig, opts: Omit<TrainCoordsOptions, 'outDir'>): Promise<TrainCoordsResult & { notes: string[] }> {
  const data = loadCoordsData(paths, config, opts.onProgress);
  const result = await trainCoords(data, config, { ...opts, outDir: paths.out });
  return { ...result, notes: data.notes };
}

export interface PredictSplitOptions {
  /** Artefact root holding `models/coords/`. */
  out: string;
  /** Prepared split to predict (e.g. `{out}/prepared/test`). */
  preparedDir: string;
  /**
   * Which checkpoints: the fold models (their mean) or the full-fit model.
   * Porting note: the reference's inference used one fold's weights (`FOLD`) or `fullfit_0`.
   */
  models: 'folds' | 'fullfit';
  nFolds: number;
  onProgress?: OnProgress;
}

/**
 * Disc centres of every sagittal series of a prepared split (inference, reference §8.2 step 2):
 * the middle slice of each stack through the chosen checkpoints. `fold` is −1 and `truth` missing.
 */
export async function predictPreparedSplit(opts: PredictSplitOptions): Promise<SeriesCoords[]> {
  const series = loadPrepared(opts.preparedDir);
  const samples = coordsSamples(series, [], (s, r) => loadStack(opts.preparedDir, s, r), opts.onProgress);
  const dir = modelDir(opts.out, COORDS_MODEL_NAME);
  const which: Array<number | 'fullfit'> = opts.models === 'fullfit' ? ['fullfit'] : Array.from({ length: opts.nFolds }, (_, f) => f);
  const models: CoordsModel[] = [];
  try {
    for (const f of which) models.push(await loadCoordsModel(dir, f));
    const pred = predictImages(models, samples.map((s) => s.image));
    return samples.map((s, i) => ({
      studyId: s.studyId, seriesId: s.seriesId, description: s.description as SeriesCoords['description'], fold: -1,
      pred: pred.slice(i * N_COORDS, (i + 1) * N_COORDS), truth: missingKeypoints(),
    }));
  } finally {
    for (const m of models) m.model.dispose();
  }
}
