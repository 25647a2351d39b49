/**
 * Coordinates prediction with trained models: used for the out-of-fold table of every sagittal
 * series (labelled or not), the SPIDER held-out test, and inference on test series (§8.2 step 2).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv, writeCsv } from '../core/csv.js';
import { ArtefactError } from '../core/errors.js';
import { loadModel } from '../engine/io.js';
import { LEVEL_SLUGS, SAGITTAL_DESCRIPTIONS, type SagittalDescription } from '../data/vocabulary.js';
import { parseId } from '../data/tables.js';
import { foldDirName } from '../train/artefacts.js';
import './layers.js'; // registers SoftArgmax2D so saved coords models load back
import type { CoordsConfig } from './presets.js';
import { seriesError } from './metrics.js';
import type { Keypoints } from './types.js';
import type { CoordsModel } from './infer.js';

export { predictImages, type CoordsModel } from './infer.js';

/** Load the checkpoint of `fold` from a coords model folder (`{out}/models/coords`). */
export async function loadCoordsModel(modelDir: string, fold: number | 'fullfit'): Promise<CoordsModel> {
  const dir = join(modelDir, foldDirName(fold));
  const { model, meta } = await loadModel<{ coords?: Omit<CoordsConfig, 'train'> }>(dir);
  if (!meta?.coords) throw new ArtefactError('not a coords checkpoint (meta.json has no "coords" config)', { file: dir });
  return { model, config: meta.coords, fold };
}

/** One sagittal series with its predicted (and, if labelled, true) disc centres. */
export interface SeriesCoords {
  studyId: number;
  seriesId: number;
  description: SagittalDescription;
  /** Fold whose model predicted it (out of fold); −1 for inference series. */
  fold: number;
  pred: Keypoints;
  /** NaN where unknown (unlabelled series, inference). */
  truth: Keypoints;
}

export const SERIES_COORDS_FILE = 'series_coords.csv';
const axis = ['x', 'y'] as const;
const COORD_COLUMNS = (prefix: string) => LEVEL_SLUGS.flatMap((l) => axis.map((a) => `${prefix}_${a}_${l}`));
const COLUMNS = ['study_id', 'series_id', 'series_description', 'fold', ...COORD_COLUMNS('pred'), ...COORD_COLUMNS('true'), 'error'];

/** Write the per-series table (relative coordinates; empty cells for missing truth). */
export function writeSeriesCoords(file: string, rows: readonly SeriesCoords[]): void {
  writeCsv(file, COLUMNS, rows.map((r) => {
    const rec: Record<string, unknown> = { study_id: r.studyId, series_id: r.seriesId, series_description: r.description, fold: r.fold, error: seriesError(r.truth, r.pred) };
    COORD_COLUMNS('pred').forEach((c, i) => (rec[c] = r.pred[i]));
    COORD_COLUMNS('true').forEach((c, i) => (rec[c] = r.truth[i]));
    return rec;
  }));
}

export function readSeriesCoords(file: string): SeriesCoords[] {
  if (!existsSync(file)) throw new ArtefactError('series coordinates missing: run `spinelab train coords` first', { file });
  const table = readCsv(file, COLUMNS);
  return table.rows.map((row) => {
    const description = row.values.series_description as SagittalDescription;
    if (!SAGITTAL_DESCRIPTIONS.includes(description)) throw new ArtefactError(`not a sagittal description: "${description}"`, { file, line: row.line });
    const num = (c: string) => (row.values[c].trim() === '' ? NaN : Number(row.values[c]));
    const pred = Float32Array.from(COORD_COLUMNS('pred'), num);
    if (pred.some((v) => !Number.isFinite(v))) throw new ArtefactError('a predicted coordinate is missing', { file, line: row.line });
    return {
      studyId: parseId(row, 'study_id', file), seriesId: parseId(row, 'series_id', file), description,
      fold: Number(row.values.fold), pred, truth: Float32Array.from(COORD_COLUMNS('true'), num),
    };
  });
}
