/**
 * `generateDataset`: synthetic studies in exactly the competition's layout, plus `truth/`.
 *
 *   {out}/train_images/{study}/{series}/{instance}.dcm, {out}/test_images/…
 *   {out}/train.csv, train_label_coordinates.csv, train_series_descriptions.csv,
 *   {out}/test_series_descriptions.csv, sample_submission.csv
 *   {out}/truth/  config.json, studies/{study}.json (true severities, latents, disc centres, series
 *                 geometry, label points), true_labels.csv, test.csv, noise-model.json,
 *                 bounds.json (Bayes floor and prior baseline per split), manifest.json
 *
 * Resumable: a study whose truth file exists was written completely (the truth file is written
 * after its DICOMs), so a re-run with the same settings skips it. Deterministic for a seed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../core/atomic.js';
import { writeCsv } from '../core/csv.js';
import { SpinelabError, UsageError } from '../core/errors.js';
import { defaultWorkers, runInWorkers } from '../core/pool.js';
import { noProgress, type OnProgress } from '../core/progress.js';
import { Rng } from '../core/rng.js';
import { CONDITIONS, LEVELS, N_TARGETS, rowId, SEVERITIES, TARGETS } from '../data/vocabulary.js';
import { noiseTable } from './contrast.js';
import { writeSeriesDicom } from './dicom.js';
import { noiseModelReport, scoreBounds, type ScoreBounds } from './floor.js';
import { LabelSampler, type LabelModel } from './labels.js';
import { EMBEDDED_LABEL_MODEL } from './label-model-params.js';
import type { PresetName } from '../core/presets.js';
import { synthPreset, type SynthPreset } from './presets.js';
import { planStudy, renderSeries, type EdgeCase, type StudyPlan } from './study.js';
import { patientToPixel } from './render.js';
import type { TruthStudy } from './truth.js';

/** Bumped whenever the same seed would give different data. */
export const GENERATOR_VERSION = 1;
/** Study ids are drawn in the competition's range (train.csv: 4003253 … 4290709089). */
export const STUDY_ID_RANGE = [4_003_253, 4_290_709_089] as const;
export const SERIES_ID_RANGE = [1_000_000, 4_294_967_295] as const;

export interface GenerateOptions {
  /** Output folder (the pipeline's input folder). */
  out: string;
  /** Training studies (default from the size preset). */
  studies?: number;
  /** Test studies (default from the size preset). */
  testStudies?: number;
  seed?: number;
  size?: PresetName;
  /** Replace a dataset generated with other settings (only spinelab's own outputs are removed). */
  overwrite?: boolean;
  /** Label model (default: fitted to the real labels). */
  labelModel?: LabelModel;
  /** Worker threads generating studies (default: `$SPINELAB_WORKERS`, else one per core; 1 = in this thread). */
  workers?: number;
  onProgress?: OnProgress;
}

export interface SynthSummary {
  out: string;
  size: PresetName;
  seed: number;
  trainStudies: number;
  testStudies: number;
  series: number;
  files: number;
  /** Bytes of DICOM written in this run (resumed studies not counted). */
  bytes: number;
  resumedStudies: number;
  seconds: number;
  bounds: { train: ScoreBounds; test: ScoreBounds | null };
}

const OUTPUTS = ['train_images', 'test_images', 'truth', 'train.csv', 'train_label_coordinates.csv', 'train_series_descriptions.csv', 'test_series_descriptions.csv', 'sample_submission.csv'];

export async function generateDataset(opts: GenerateOptions): Promise<SynthSummary> {
  const t0 = Date.now();
  const preset = synthPreset(opts.size ?? 'demo');
  const nTrain = opts.studies ?? preset.studies;
  const nTest = opts.testStudies ?? preset.testStudies;
  const seed = opts.seed ?? 42;
  for (const [name, v, min] of [['studies', nTrain, 1], ['testStudies', nTest, 0], ['seed', seed, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new UsageError(`generateDataset: ${name} must be an integer ≥ ${min}, got ${v}`);
  }
  const out = resolve(opts.out);
  const model = opts.labelModel ?? EMBEDDED_LABEL_MODEL;
  const onProgress = opts.onProgress ?? noProgress;
  const config = { generator: GENERATOR_VERSION, seed, size: preset.size, studies: nTrain, testStudies: nTest, labelModel: opts.labelModel ? 'custom' : 'embedded' };
  prepareOutput(out, config, opts.overwrite ?? false);

  const job: StudyJob = { out, seed, size: preset.size, studies: nTrain, testStudies: nTest, labelModel: model };
  const n = nTrain + nTest;
  const ids = datasetStreams(job).studyIds;
  const truths: TruthStudy[] = new Array(n);
  const todo: number[] = [];
  let resumed = 0;
  for (let i = 0; i < n; i++) {
    const truthFile = join(out, 'truth', 'studies', `${ids[i]}.json`);
    if (existsSync(truthFile)) {
      truths[i] = JSON.parse(readFileSync(truthFile, 'utf8')) as TruthStudy;
      resumed++;
    } else todo.push(i);
  }
  let bytes = 0;
  let done = resumed;
  const finish = (i: number, r: GeneratedStudy) => {
    truths[i] = r.truth;
    bytes += r.bytes;
    onProgress({ label: 'synth', done: ++done, total: n, detail: `${r.truth.split} study ${r.truth.studyId}` });
  };
  onProgress({ label: 'synth', done, total: n, detail: resumed ? `${resumed} already written` : undefined });
  const workers = Math.min(opts.workers ?? defaultWorkers(), todo.length);
  if (workers > 1) {
    // Studies are independent (study i draws from its own fork of the seed): the same bytes in any
    // order, so they are generated in worker threads and the run stays deterministic.
    const failed: string[] = [];
    await runInWorkers<StudyTask, GeneratedStudy>(new URL('./worker.ts', import.meta.url).href, todo.map((index) => ({ ...job, index })), workers, (t, o) => {
      if (o.ok) finish(t.index, o.value);
      else failed.push(`study ${ids[t.index]}: ${o.error}`);
    });
    if (failed.length) throw new SpinelabError(`synthetic data: ${failed.length} of ${todo.length} studies failed (the others are written; a rerun resumes): ${failed.slice(0, 3).join('; ')}`);
  } else {
    const gen = studyGenerator(job);
    for (const i of todo) {
      finish(i, gen(i));
      await new Promise((r) => setImmediate(r));
    }
  }
  const files = truths.reduce((s, t) => s + t.series.reduce((a, se) => a + se.instanceNumbers.length, 0), 0);

  const train = truths.filter((t) => t.split === 'train').sort((a, b) => a.studyId - b.studyId);
  const test = truths.filter((t) => t.split === 'test').sort((a, b) => a.studyId - b.studyId);
  writeTables(out, train, test);
  const bounds = { train: scoreBounds(train, model), test: test.length ? scoreBounds(test, model) : null };
  writeJsonAtomic(join(out, 'truth', 'noise-model.json'), noiseModelReport(model));
  writeJsonAtomic(join(out, 'truth', 'bounds.json'), bounds);
  const summary: SynthSummary = {
    out, size: preset.size, seed, trainStudies: train.length, testStudies: test.length,
    series: truths.reduce((s, t) => s + t.series.length, 0), files, bytes, resumedStudies: resumed,
    seconds: (Date.now() - t0) / 1000, bounds,
  };
  writeJsonAtomic(join(out, 'truth', 'manifest.json'), { ...config, ...summary, bounds: undefined });
  return summary;
}

/** What a worker needs to generate studies of a dataset (plain data: it crosses threads). */
export interface StudyJob {
  out: string;
  seed: number;
  size: PresetName;
  studies: number;
  testStudies: number;
  labelModel: LabelModel;
}
export type StudyTask = StudyJob & { index: number };
export interface GeneratedStudy {
  truth: TruthStudy;
  /** DICOM bytes written. */
  bytes: number;
}

/**
 * Generate study i of a dataset: its DICOM series, then its truth file (last, so an existing truth
 * file means a complete study). One generator holds the dataset's streams and noise table.
 */
export function studyGenerator(job: StudyJob): (i: number) => GeneratedStudy {
  const ds = datasetStreams(job);
  const noise = noiseTable(job.seed);
  return (i) => {
    const split = i < ds.nTrain ? 'train' : 'test';
    const studyId = ds.studyIds[i];
    const { plan, rng } = ds.plan(i);
    const cache = new Map<string, Uint8Array>();
    const fieldStrength = rng.random() < 0.6 ? 1.5 : 3;
    let bytes = 0;
    for (const se of plan.series) {
      const images = renderSeries(plan, se, noise, cache);
      bytes += writeSeriesDicom(join(job.out, `${split}_images`, String(studyId), String(se.seriesId)), { studyId, fieldStrength }, se, images);
    }
    const truth = truthOf(plan, split);
    writeJsonAtomic(join(job.out, 'truth', 'studies', `${studyId}.json`), truth);
    return { truth, bytes };
  };
}

/** Most series one study can have (2 Sagittal T1 + 1 Sagittal T2/STIR + 4 Axial T2), plus spare. */
const SERIES_PER_STUDY = 8;

export interface DatasetStreams {
  preset: SynthPreset;
  /** Study ids in generation order: the training studies first, then the test studies. */
  studyIds: number[];
  nTrain: number;
  /** Plan study i exactly as `generateDataset` does (its rng then continues into rendering). */
  plan(i: number): { plan: StudyPlan; rng: Rng };
}

/**
 * The random streams of a dataset. Study and series ids are drawn up front from the seed (series
 * ids from a pool of 8 per study, so they are unique across the dataset) and study i draws
 * everything else from its own fork: any study can be regenerated alone, in any order, and a
 * larger dataset with the same seed starts with the same studies.
 */
export function datasetStreams(o: { seed: number; size: PresetName; studies: number; testStudies: number; labelModel?: LabelModel }): DatasetStreams {
  const preset = synthPreset(o.size);
  // Independent streams per purpose: study i is the same whatever the dataset's counts.
  const root = new Rng(o.seed);
  const n = o.studies + o.testStudies;
  const studyIds = drawUnique(root.fork(0), n, STUDY_ID_RANGE);
  const pool = drawUnique(root.fork(1), n * SERIES_PER_STUDY, SERIES_ID_RANGE);
  const sampler = new LabelSampler(o.labelModel ?? EMBEDDED_LABEL_MODEL);
  return {
    preset, studyIds, nTrain: o.studies,
    plan(i) {
      const rng = root.fork(i + 2);
      let k = 0;
      const nextSeriesId = () => pool[i * SERIES_PER_STUDY + k++];
      return { plan: planStudy(rng, studyIds[i], nextSeriesId, preset, sampler, edgeCase(preset, i, o.studies)), rng };
    },
  };
}

/**
 * Study i of a dataset rendered in memory, exactly as `generateDataset` writes it: the plan and
 * each series' stored images (spatial order). For tests, figures and debugging.
 */
export function renderStudy(o: { seed: number; size: PresetName; studies: number; testStudies: number }, i: number): { plan: StudyPlan; images: Map<number, Uint16Array[]> } {
  const { plan } = datasetStreams(o).plan(i);
  const noise = noiseTable(o.seed);
  const cache = new Map<string, Uint8Array>();
  return { plan, images: new Map(plan.series.map((se) => [se.seriesId, renderSeries(plan, se, noise, cache)])) };
}

/**
 * Refuse to mix datasets: an existing synthetic dataset must have the same settings, or
 * `overwrite` replaces it. A folder holding anything else of the competition layout (a real Kaggle
 * download has no truth/config.json) is never touched.
 */
function prepareOutput(out: string, config: Record<string, unknown>, overwrite: boolean): void {
  const cfgFile = join(out, 'truth', 'config.json');
  const ours = existsSync(cfgFile);
  const same = ours && JSON.stringify(JSON.parse(readFileSync(cfgFile, 'utf8'))) === JSON.stringify(config);
  if (!same) {
    const present = OUTPUTS.filter((o) => existsSync(join(out, o)) && (!o.endsWith('_images') || readdirSync(join(out, o)).length > 0));
    if (present.length && !ours) throw new UsageError(`${out} already holds ${present.join(', ')} not made by spinelab synth; choose an empty folder`);
    if (present.length && !overwrite) {
      throw new UsageError(`${out} holds a synthetic dataset made with other settings (${readFileSync(cfgFile, 'utf8').replace(/\s+/g, ' ').trim()}); choose another folder or pass overwrite (--overwrite)`);
    }
    for (const o of OUTPUTS) rmSync(join(out, o), { recursive: true, force: true });
  }
  mkdirSync(join(out, 'truth', 'studies'), { recursive: true });
  writeJsonAtomic(cfgFile, config);
}

function drawUnique(rng: Rng, n: number, [lo, hi]: readonly [number, number]): number[] {
  const seen = new Set<number>();
  const ids: number[] = [];
  while (ids.length < n) {
    const id = rng.int(lo, hi);
    if (!seen.has(id)) seen.add(id), ids.push(id);
  }
  return ids;
}

/** Small datasets get the rare cases on fixed studies, so every code path meets them. */
function edgeCase(p: SynthPreset, i: number, nTrain: number): EdgeCase {
  if (!p.edgeCases) return {};
  if (i === 0) return { counts: { t1: 0 } };
  if (i === 1) return { counts: { axial: 2 } };
  if (i === 2) return { axialStart: 1, scheme: 'shuffled' };
  if (i === nTrain) return { counts: { axial: 2, t1: 2 } };
  return {};
}

function truthOf(plan: StudyPlan, split: 'train' | 'test'): TruthStudy {
  const a = plan.anatomy;
  return {
    studyId: plan.studyId,
    split,
    latent: plan.labels.latent,
    trueClass: plan.labels.trueClass,
    observed: plan.labels.observed,
    sigma: plan.sigma,
    discCentres: plan.discCentres,
    anatomy: { k: a.k, origin: a.origin },
    series: plan.series.map((se) => {
      const mid = se.slices[Math.floor(se.slices.length / 2)];
      return {
        seriesId: se.seriesId,
        description: se.description,
        weighting: se.weighting,
        plane: se.plane,
        rows: mid.rows,
        cols: mid.cols,
        pixelSpacing: mid.pixelSpacing,
        sliceThickness: se.sliceThickness,
        spacingBetweenSlices: se.spacingBetweenSlices,
        orientations: se.slices.map((g) => g.orientation),
        positions: se.slices.map((g) => g.position),
        instanceNumbers: se.instanceNumbers,
        instanceScheme: se.instanceScheme,
        scale: se.scale,
        sliceLevel: se.sliceLevel,
        discPixels: se.plane === 'sagittal' ? plan.discCentres.map((p) => {
          const px = patientToPixel(mid, p);
          return { x: px.col, y: px.row };
        }) : undefined,
      };
    }),
    points: plan.points,
  };
}

const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

function writeTables(out: string, train: readonly TruthStudy[], test: readonly TruthStudy[]): void {
  const sev = (c: number) => (c < 0 ? '' : SEVERITIES[c]);
  const wide = (rows: readonly TruthStudy[], pick: (t: TruthStudy) => readonly number[]) =>
    rows.map((t) => Object.fromEntries([['study_id', t.studyId], ...TARGETS.map((name, j) => [name, sev(pick(t)[j])])]));
  writeCsv(join(out, 'train.csv'), ['study_id', ...TARGETS], wide(train, (t) => t.observed));
  writeCsv(join(out, 'truth', 'test.csv'), ['study_id', ...TARGETS], wide(test, (t) => t.observed));
  writeCsv(join(out, 'truth', 'true_labels.csv'), ['study_id', 'split', ...TARGETS], [...train, ...test].map((t) => ({
    study_id: t.studyId, split: t.split, ...Object.fromEntries(TARGETS.map((name, j) => [name, SEVERITIES[t.trueClass[j]]])),
  })));
  const coords = train.flatMap((t) =>
    t.points
      .filter((p) => p.seriesId !== null && t.observed[CONDITIONS.indexOf(p.condition) * 5 + LEVELS.indexOf(p.level)] >= 0)
      .map((p) => ({ study_id: t.studyId, series_id: p.seriesId as number, instance_number: p.instanceNumber, condition: p.condition, level: p.level, x: r6(p.x as number), y: r6(p.y as number), c: CONDITIONS.indexOf(p.condition) })),
  );
  coords.sort((a, b) => a.study_id - b.study_id || a.series_id - b.series_id || a.c - b.c || a.level.localeCompare(b.level));
  writeCsv(join(out, 'train_label_coordinates.csv'), ['study_id', 'series_id', 'instance_number', 'condition', 'level', 'x', 'y'], coords);
  const descriptions = (rows: readonly TruthStudy[]) =>
    rows.flatMap((t) => t.series.map((se) => ({ study_id: t.studyId, series_id: se.seriesId, series_description: se.description })).sort((a, b) => a.series_id - b.series_id));
  writeCsv(join(out, 'train_series_descriptions.csv'), ['study_id', 'series_id', 'series_description'], descriptions(train));
  writeCsv(join(out, 'test_series_descriptions.csv'), ['study_id', 'series_id', 'series_description'], descriptions(test));
  const third = (1 / 3).toFixed(6);
  writeCsv(join(out, 'sample_submission.csv'), ['row_id', 'normal_mild', 'moderate', 'severe'],
    test.flatMap((t) => Array.from({ length: N_TARGETS }, (_, j) => ({ row_id: rowId(t.studyId, j), normal_mild: third, moderate: third, severe: third }))));
  writeFileAtomic(join(out, 'truth', 'README.txt'), 'Ground truth of the synthetic studies; the pipeline never reads this folder. See noise-model.json.\n');
}
