/**
 * Cut the level crops of sagittal series (reference §4.7 step 3 and §8.2 step 3): for each series
 * and each of the 5 levels, the box around the centre through ALL slices of the raw stack, saved
 * as `{root}/{set}/{study}_{series}_{levelSlug}.npy` with `{root}/{set}/crops.csv` and
 * `{root}/{set}/manifest.json`.
 *
 * Both training sets come from ONE pass: `predicted` (out-of-fold coords) and `fixed` (coords
 * more than `fixThreshold` from the ground truth replaced by it), so no flag is toggled and nothing
 * runs twice (§11 item 17). Inference cuts study by study with the same per-series function,
 * `saveSeriesCrops`, so a study that fails stays alone.
 * Porting note: every sagittal series gets crops, labelled or not (§11 item 6).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { readCsv, writeCsv } from '../core/csv.js';
import type { NdArray } from '../core/npy.js';
import { writeNpy } from '../core/npy.js';
import { ArtefactError, asError, SpinelabError } from '../core/errors.js';
import type { OnProgress } from '../core/progress.js';
import { parseId } from '../data/tables.js';
import { LEVELS, LEVEL_SLUGS, levelIndex, SAGITTAL_DESCRIPTIONS, type SagittalDescription } from '../data/vocabulary.js';
import { cropSeries, fixCoords, type CropBox } from './box.js';

export const CROP_SETS = ['predicted', 'fixed'] as const;
export type CropSetName = (typeof CROP_SETS)[number];
export const CROPS_CSV = 'crops.csv';
export const CROPS_COLUMNS = ['study_id', 'series_id', 'series_description', 'level', 'x0', 'y0', 'x1', 'y1', 'fallback'] as const;

export interface CropsConfig {
  /** Half-size of the box in relative units (reference 0.1). */
  delta: number;
  /** L1 distance above which a prediction is replaced by the truth in the `fixed` set (reference 0.03). */
  fixThreshold: number;
}

/** One series to crop: its predicted centres (relative) and, for training series, the truth. */
export interface CropSeriesInput {
  studyId: number;
  seriesId: number;
  description: SagittalDescription;
  /** Relative centres [u, v] × 5 in LEVELS order. */
  pred: ArrayLike<number>;
  /** Relative ground truth (NaN / −1 where unknown); used by the `fixed` set only. */
  truth?: ArrayLike<number>;
}

export interface CropRecord {
  studyId: number;
  seriesId: number;
  description: SagittalDescription;
  level: number;
  box: CropBox;
}

export interface CropSetReport {
  set: CropSetName;
  nSeries: number;
  nCrops: number;
  /** Crops that fell back to the whole slice (empty / out-of-image box), listed. */
  fallbacks: Array<{ studyId: number; seriesId: number; level: string }>;
  /** `fixed` set only: levels whose prediction was replaced by the ground truth. */
  nReplaced?: number;
}

export interface MakeCropsOptions extends CropsConfig {
  /** Crops root, e.g. `{out}/crops`; each set gets a sub-folder. */
  root: string;
  sets: readonly CropSetName[];
  /** Loads the raw (slices × rows × cols) stack of a series. */
  loadStack: (studyId: number, seriesId: number) => NdArray;
  /** Extra fields for each set's manifest.json (e.g. where the coords came from). */
  meta?: Record<string, unknown>;
  onProgress?: OnProgress;
}

export function cropFileName(studyId: number, seriesId: number, level: number): string {
  return `${studyId}_${seriesId}_${LEVEL_SLUGS[level]}.npy`;
}

/** Cut the 5 level crops of one series' stack, save them in `dir`, and return their crops.csv records. */
export function saveSeriesCrops(
  dir: string,
  s: { studyId: number; seriesId: number; description: SagittalDescription },
  stack: NdArray,
  centres: ArrayLike<number>,
  delta: number,
): CropRecord[] {
  return saveCutCrops(dir, s, cropSeries(stack, centres, delta));
}

/** Save the 5 level crops of one series (cut by `cropSeries`) in `dir`; returns their crops.csv records. */
export function saveCutCrops(
  dir: string,
  s: { studyId: number; seriesId: number; description: SagittalDescription },
  cut: ReadonlyArray<{ box: CropBox; crop: NdArray }>,
): CropRecord[] {
  return cut.map(({ box, crop }, level) => {
    writeNpy(join(dir, cropFileName(s.studyId, s.seriesId, level)), crop);
    return { studyId: s.studyId, seriesId: s.seriesId, description: s.description, level, box };
  });
}

/** `{dir}/crops.csv`: one row per crop, its box in pixels and whether it fell back to the whole slice. */
export function writeCropsCsv(dir: string, records: readonly CropRecord[]): void {
  writeCsv(join(dir, CROPS_CSV), CROPS_COLUMNS, records.map((r) => ({
    study_id: r.studyId, series_id: r.seriesId, series_description: r.description, level: LEVELS[r.level],
    x0: r.box.x0, y0: r.box.y0, x1: r.box.x1, y1: r.box.y1, fallback: r.box.fallback ? 1 : 0,
  })));
}

/** `{dir}/crops.csv` read back (a set's folder, e.g. `{out}/crops/predicted`): each crop with its box. */
export function readCropsCsv(dir: string): CropRecord[] {
  const file = join(dir, CROPS_CSV);
  if (!existsSync(file)) throw new ArtefactError('crop index missing: run the crops stage first (`spinelab crops`)', { file });
  return readCsv(file, CROPS_COLUMNS).rows.map((row) => {
    const v = row.values;
    const description = v.series_description.trim() as SagittalDescription;
    if (!SAGITTAL_DESCRIPTIONS.includes(description)) throw new ArtefactError(`crops are for sagittal series only, got "${description}"`, { file, line: row.line });
    const level = levelIndex(v.level);
    if (level < 0) throw new ArtefactError(`unknown level "${v.level}"`, { file, line: row.line });
    const px = (c: 'x0' | 'y0' | 'x1' | 'y1') => {
      const n = Number(v[c]);
      if (v[c].trim() === '' || !Number.isInteger(n) || n < 0) throw new ArtefactError(`${c} must be a pixel index, got "${v[c]}"`, { file, line: row.line });
      return n;
    };
    const box = { x0: px('x0'), y0: px('y0'), x1: px('x1'), y1: px('y1'), fallback: v.fallback.trim() === '1' };
    return { studyId: parseId(row, 'study_id', file), seriesId: parseId(row, 'series_id', file), description, level, box };
  });
}

/** Cut and save the crops of `series` for every requested set; returns one report per set. */
export function makeCrops(series: readonly CropSeriesInput[], opts: MakeCropsOptions): CropSetReport[] {
  const records = new Map<CropSetName, CropRecord[]>(opts.sets.map((s) => [s, []]));
  const reports = new Map<CropSetName, CropSetReport>(opts.sets.map((s) => [s, { set: s, nSeries: 0, nCrops: 0, fallbacks: [], ...(s === 'fixed' ? { nReplaced: 0 } : {}) }]));
  series.forEach((s, i) => {
    let stack: NdArray;
    try {
      stack = opts.loadStack(s.studyId, s.seriesId);
    } catch (e) {
      throw new SpinelabError(`cannot load the stack to crop: ${asError(e).message}`, { studyId: s.studyId, seriesId: s.seriesId }, { cause: e });
    }
    for (const set of opts.sets) {
      let centres: ArrayLike<number> = s.pred;
      const report = reports.get(set)!;
      if (set === 'fixed') {
        if (!s.truth) throw new SpinelabError('the fixed crop set needs the ground truth of every series (training only)', { studyId: s.studyId, seriesId: s.seriesId });
        centres = fixCoords(s.pred, s.truth, opts.fixThreshold);
        for (let l = 0; l < LEVELS.length; l++) {
          if (centres[2 * l] !== Math.fround(s.pred[2 * l]) || centres[2 * l + 1] !== Math.fround(s.pred[2 * l + 1])) report.nReplaced!++;
        }
      }
      for (const r of saveSeriesCrops(join(opts.root, set), s, stack, centres, opts.delta)) {
        records.get(set)!.push(r);
        if (r.box.fallback) report.fallbacks.push({ studyId: s.studyId, seriesId: s.seriesId, level: LEVELS[r.level] });
        report.nCrops++;
      }
      report.nSeries++;
    }
    opts.onProgress?.({ label: 'crops', done: i + 1, total: series.length, detail: `${s.studyId}/${s.seriesId}` });
  });
  for (const set of opts.sets) {
    const dir = join(opts.root, set);
    writeCropsCsv(dir, records.get(set)!);
    const report = reports.get(set)!;
    writeJsonAtomic(join(dir, 'manifest.json'), {
      kind: 'crops', version: 1, set, delta: opts.delta, fixThreshold: set === 'fixed' ? opts.fixThreshold : undefined,
      nSeries: report.nSeries, nCrops: report.nCrops, nFallback: report.fallbacks.length, nReplaced: report.nReplaced, ...opts.meta,
    });
  }
  return opts.sets.map((s) => reports.get(s)!);
}
