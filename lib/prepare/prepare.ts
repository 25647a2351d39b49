/**
 * The Preparation stage (reference §2.3, Preparation notebook): every series of a split →
 * `{out}/stacks/{study}_{series}.npy` + `frames.csv` + `geometry.csv` + `errors.csv`, and for the
 * training split `label_coordinates.csv` with each point's stack index z.
 * Porting note: the reference aborts on the first corrupt file and cannot resume; here a series
 * that fails is recorded in errors.csv with its reason and the run goes on, finished series are
 * skipped on a rerun (their sidecar JSON is the marker), and every file is written atomically.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeCsv } from '../core/csv.js';
import { asError, InputLayoutError, UsageError } from '../core/errors.js';
import { outputDir } from '../core/paths.js';
import { noProgress, type OnProgress } from '../core/progress.js';
import { readLabelCoordinates, readSeriesDescriptions } from '../data/tables.js';
import { SERIES_DESCRIPTIONS, type SeriesDescription } from '../data/vocabulary.js';
import { convertSeries, finishedSidecar, type SeriesSidecar, type SeriesTask } from './convert.js';
import { mapLabels } from './labels.js';
import { runInWorkers, type TaskOutcome } from '../core/pool.js';

export type Split = 'train' | 'test';

export interface PrepareOptions {
  /** Competition input folder ({split}_images/, {split}_series_descriptions.csv, ...). */
  input: string;
  split: Split;
  /** Default `{outputDir()}/prepared/{split}`. */
  out?: string;
  /** Worker threads; default min(2, cores). 0 converts in this thread (debugging). */
  workers?: number;
  /** Prepare only the first N studies (in CSV order): previews and the `tiny` preset. */
  maxStudies?: number;
  /**
   * Series types to convert (default all three). Inference passes the sagittal ones: no model reads
   * Axial T2, which is about half of the DICOM data.
   */
  descriptions?: readonly SeriesDescription[];
  onProgress?: OnProgress;
}

export interface SeriesError {
  studyId: number;
  seriesId: number;
  description: string;
  error: string;
}

export interface PrepareSummary {
  split: Split;
  outDir: string;
  /** Series listed for this run. */
  total: number;
  /** Converted in this run. */
  done: number;
  /** Already finished by an earlier run. */
  skipped: number;
  failed: number;
  errors: SeriesError[];
  /** Series folders on disk that the descriptions CSV does not list (not converted). */
  unlisted: number;
  /** Listed series of a type outside `descriptions` (not converted, not errors). */
  excluded: number;
  /** Training split only: label points mapped to a stack slice, and those that could not be. */
  labels: { mapped: number; unmapped: number } | null;
  seconds: number;
}

export const defaultPreparedDir = (split: Split) => join(outputDir(), 'prepared', split);

/** Tasks for every listed series, checking the input layout first. */
function listTasks(opts: PrepareOptions, outDir: string): { tasks: SeriesTask[]; unlisted: number; excluded: Set<string> } {
  const imagesDir = join(opts.input, `${opts.split}_images`);
  if (!existsSync(imagesDir)) throw new InputLayoutError(`no ${opts.split}_images/ folder in the input`, { file: imagesDir });
  const series = readSeriesDescriptions(join(opts.input, `${opts.split}_series_descriptions.csv`));
  let studies = [...new Set(series.map((s) => s.studyId))];
  if (opts.maxStudies !== undefined) studies = studies.slice(0, opts.maxStudies);
  const keep = new Set(studies);
  const types = new Set<string>(opts.descriptions ?? SERIES_DESCRIPTIONS);
  const inStudies = series.filter((s) => keep.has(s.studyId));
  const tasks = inStudies.filter((s) => types.has(s.description)).map((s) => ({
    studyId: s.studyId,
    seriesId: s.seriesId,
    description: s.description,
    dir: join(imagesDir, String(s.studyId), String(s.seriesId)),
    outDir,
  }));
  const listed = new Set(series.map((s) => `${s.studyId}/${s.seriesId}`));
  let unlisted = 0;
  for (const study of readdirSync(imagesDir)) {
    const sdir = join(imagesDir, study);
    if (!statSync(sdir).isDirectory()) continue;
    for (const ser of readdirSync(sdir)) if (!listed.has(`${study}/${ser}`)) unlisted++;
  }
  const excluded = new Set(inStudies.filter((s) => !types.has(s.description)).map((s) => `${s.studyId}_${s.seriesId}`));
  return { tasks, unlisted, excluded };
}

export async function prepareSplit(opts: PrepareOptions): Promise<PrepareSummary> {
  if (opts.split !== 'train' && opts.split !== 'test') throw new UsageError(`split must be train or test, got "${opts.split}"`);
  const t0 = Date.now();
  const outDir = opts.out ?? defaultPreparedDir(opts.split);
  const onProgress = opts.onProgress ?? noProgress;
  const unknown = (opts.descriptions ?? []).filter((d) => !(SERIES_DESCRIPTIONS as readonly string[]).includes(d));
  if (unknown.length) throw new UsageError(`unknown series description(s) ${unknown.map((d) => `"${d}"`).join(', ')} (expected ${SERIES_DESCRIPTIONS.join(', ')})`);
  const { tasks, unlisted, excluded } = listTasks(opts, outDir);
  const label = `prepare ${opts.split}`;
  const errors: SeriesError[] = [];
  const todo: SeriesTask[] = [];
  let skipped = 0;
  for (const t of tasks) {
    if (finishedSidecar(outDir, t.studyId, t.seriesId)) skipped++;
    else if (!existsSync(t.dir)) errors.push({ ...pick(t), error: `series folder missing: ${t.dir}` });
    else todo.push(t);
  }
  let done = 0;
  const report = (t: SeriesTask, o: TaskOutcome<number>) => {
    if (o.ok) done++;
    else errors.push({ ...pick(t), error: o.error });
    onProgress({ label, done: skipped + done + errors.length, total: tasks.length, detail: `${t.studyId}/${t.seriesId}${o.ok ? '' : ' failed'}` });
  };
  onProgress({ label, done: skipped + errors.length, total: tasks.length, detail: skipped ? `${skipped} already done` : undefined });
  const workers = opts.workers ?? Math.min(2, availableParallelism());
  if (workers > 0) {
    await runInWorkers(new URL('./worker.ts', import.meta.url).href, todo, workers, report);
  } else {
    for (const t of todo) {
      try {
        report(t, { ok: true, value: (await convertSeries(t)).frames.length });
      } catch (e) {
        report(t, { ok: false, error: asError(e).message });
      }
    }
  }
  const finished = tasks.map((t) => finishedSidecar(outDir, t.studyId, t.seriesId)).filter((s): s is SeriesSidecar => s !== null);
  writeTables(outDir, finished, errors);
  let labels: PrepareSummary['labels'] = null;
  const coordsFile = join(opts.input, 'train_label_coordinates.csv');
  if (opts.split === 'train' && existsSync(coordsFile)) {
    const studies = new Set(tasks.map((t) => t.studyId));
    // Points on series left out by the descriptions filter are not "unmapped": they were not asked for.
    const points = readLabelCoordinates(coordsFile).filter((p) => studies.has(p.studyId) && !excluded.has(`${p.studyId}_${p.seriesId}`));
    const mapped = mapLabels(points, finished);
    writeCsv(join(outDir, 'label_coordinates.csv'), LABEL_COLUMNS, mapped.map((m) => ({
      study_id: m.studyId, series_id: m.seriesId, instance_number: m.instanceNumber, z: m.z,
      condition: m.condition, level: m.level, x: m.x, y: m.y, problem: m.problem ?? '',
    })));
    const unmapped = mapped.filter((m) => m.z < 0).length;
    labels = { mapped: mapped.length - unmapped, unmapped };
  }
  errors.sort((a, b) => a.studyId - b.studyId || a.seriesId - b.seriesId);
  return { split: opts.split, outDir, total: tasks.length, done, skipped, failed: errors.length, errors, unlisted, excluded: excluded.size, labels, seconds: (Date.now() - t0) / 1000 };
}

const pick = (t: SeriesTask) => ({ studyId: t.studyId, seriesId: t.seriesId, description: t.description });

export const FRAMES_COLUMNS = ['study_id', 'series_id', 'series_description', 'frames'] as const;
export const GEOMETRY_COLUMNS = [
  'study_id', 'series_id', 'z', 'instance_number', 'block', 'rows', 'cols',
  'position_x', 'position_y', 'position_z', 'row_x', 'row_y', 'row_z', 'col_x', 'col_y', 'col_z',
  'projection', 'pixel_spacing_row', 'pixel_spacing_col', 'slice_thickness', 'spacing_between_slices',
  'resampled_from_rows', 'resampled_from_cols',
] as const;
export const LABEL_COLUMNS = ['study_id', 'series_id', 'instance_number', 'z', 'condition', 'level', 'x', 'y', 'problem'] as const;

/** frames.csv (as the reference's df_frames.csv, plus the description), geometry.csv, errors.csv. */
function writeTables(outDir: string, finished: SeriesSidecar[], errors: SeriesError[]): void {
  writeCsv(join(outDir, 'frames.csv'), FRAMES_COLUMNS, finished.map((s) => ({
    study_id: s.studyId, series_id: s.seriesId, series_description: s.description, frames: s.frames,
  })));
  writeCsv(join(outDir, 'geometry.csv'), GEOMETRY_COLUMNS, finished.flatMap((s) => s.geometry.map((g, z) => ({
    study_id: s.studyId, series_id: s.seriesId, z, instance_number: g.instanceNumber, block: g.block,
    rows: s.shape[1], cols: s.shape[2],
    position_x: g.position[0], position_y: g.position[1], position_z: g.position[2],
    row_x: g.orientation[0], row_y: g.orientation[1], row_z: g.orientation[2],
    col_x: g.orientation[3], col_y: g.orientation[4], col_z: g.orientation[5],
    projection: g.projection,
    pixel_spacing_row: g.pixelSpacing?.[0], pixel_spacing_col: g.pixelSpacing?.[1],
    slice_thickness: g.sliceThickness, spacing_between_slices: g.spacingBetweenSlices,
    resampled_from_rows: g.resampledFrom?.[0], resampled_from_cols: g.resampledFrom?.[1],
  }))));
  writeCsv(join(outDir, 'errors.csv'), ['study_id', 'series_id', 'series_description', 'error'], errors.map((e) => ({
    study_id: e.studyId, series_id: e.seriesId, series_description: e.description, error: e.error,
  })));
}
