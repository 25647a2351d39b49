/**
 * Train the coordinates model with the shared k-fold loop, then predict every sagittal series of
 * the training split out of fold (labelled or not) and the held-out SPIDER slices, and write
 * `series_coords.csv` + `report.json` next to the loop's artefacts in `{out}/models/coords/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { ArtefactError, InputLayoutError } from '../core/errors.js';
import { trainModels, type TrainModelsOptions } from '../train/parallel.js';
import { modelDir as modelFolder } from '../train/artefacts.js';
import type { TrainResult, TrainTask } from '../train/types.js';
import { SAGITTAL_DESCRIPTIONS, type SagittalDescription } from '../data/vocabulary.js';
import { CoordsDataset } from './dataset.js';
import { coordsErrors } from './metrics.js';
import { buildCoordsModel, inputChannels, maskedMse } from './model.js';
import { loadCoordsModel, predictImages, SERIES_COORDS_FILE, writeSeriesCoords, type SeriesCoords } from './predict.js';
import type { CoordsConfig } from './presets.js';
import type { SpiderSplit } from './spider.js';
import { countPoints, N_COORDS, type CoordsSample } from './types.js';

export const COORDS_MODEL_NAME = 'coords';

export interface CoordsData {
  /** Middle-slice samples of every sagittal series of the training split (labelled or not). */
  series: CoordsSample[];
  /** Cross-validation fold of each study. */
  folds: ReadonlyMap<number, number>;
  /** External SPIDER images, or null when ../shared is absent or the preset does not use them. */
  spider: SpiderSplit | null;
}

/** Error figures (in % of the image size) of a set of predictions. */
export interface ErrorSummary {
  meanError: number;
  nSeries: number;
  over3: number;
  over4: number;
  over5: number;
}

export interface CoordsReport {
  preset: string;
  nSeries: number;
  nLabelled: number;
  nSpiderTrain: number;
  nSpiderHeldOut: number;
  /** Out-of-fold errors on labelled series: all, then per sagittal series type. */
  oof: Record<'all' | SagittalDescription, ErrorSummary>;
  /** Error of the fold ensemble on SPIDER slices of patients never trained on. */
  spiderHeldOut: ErrorSummary | null;
  seconds: number;
}

/** The report's file name in the model folder `{out}/models/coords/`. */
export const COORDS_REPORT = 'report.json';

/**
 * `{dir}/report.json` read back and checked. An error figure that was NaN (no series in the set) is
 * stored as null in JSON and comes back as NaN.
 */
export function readCoordsReport(dir: string): CoordsReport {
  const file = join(dir, COORDS_REPORT);
  if (!existsSync(file)) throw new ArtefactError('coordinates report missing: train the coordinates model first (`spinelab train coords`)', { file });
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const summaryOf = (v: unknown, what: string): ErrorSummary => {
    const o = (v ?? {}) as Record<string, unknown>;
    const num = (k: keyof ErrorSummary) => {
      if (o[k] === null) return NaN;
      if (typeof o[k] !== 'number') throw new ArtefactError(`${what}.${k} must be a number, got ${JSON.stringify(o[k])}`, { file });
      return o[k] as number;
    };
    return { meanError: num('meanError'), nSeries: num('nSeries'), over3: num('over3'), over4: num('over4'), over5: num('over5') };
  };
  const oof = (raw.oof ?? {}) as Record<string, unknown>;
  const count = (k: string) => {
    if (typeof raw[k] !== 'number') throw new ArtefactError(`${k} must be a number, got ${JSON.stringify(raw[k])}`, { file });
    return raw[k] as number;
  };
  return {
    preset: String(raw.preset),
    nSeries: count('nSeries'),
    nLabelled: count('nLabelled'),
    nSpiderTrain: count('nSpiderTrain'),
    nSpiderHeldOut: count('nSpiderHeldOut'),
    oof: {
      all: summaryOf(oof.all, 'oof.all'),
      'Sagittal T1': summaryOf(oof['Sagittal T1'], 'oof.Sagittal T1'),
      'Sagittal T2/STIR': summaryOf(oof['Sagittal T2/STIR'], 'oof.Sagittal T2/STIR'),
    },
    spiderHeldOut: raw.spiderHeldOut ? summaryOf(raw.spiderHeldOut, 'spiderHeldOut') : null,
    seconds: count('seconds'),
  };
}

/** The report's error figures as table rows: out of fold per series type, then held-out SPIDER slices. */
export function coordsReportRows(r: CoordsReport): Array<Record<string, string | number>> {
  const pct = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} %` : '-');
  const sets = [
    ...(['all', ...SAGITTAL_DESCRIPTIONS] as const).map((k) => ({ set: `OOF ${k}`, ...r.oof[k] })),
    ...(r.spiderHeldOut ? [{ set: `SPIDER held out (${r.nSpiderHeldOut} slices)`, ...r.spiderHeldOut }] : []),
  ];
  return sets.map((x) => ({
    set: x.set, series: x.nSeries, 'mean error': pct(x.meanError),
    '> 3 %': pct(100 * x.over3), '> 4 %': pct(100 * x.over4), '> 5 %': pct(100 * x.over5),
  }));
}

export type TrainCoordsOptions = Pick<TrainModelsOptions, 'outDir' | 'onEvent' | 'onProgress' | 'onConfigChange' | 'workers' | 'profile' | 'prefetch'>;

const TASK_MODULE = new URL('./train.ts', import.meta.url).href;

export interface TrainCoordsResult {
  train: TrainResult;
  report: CoordsReport;
  /** Out-of-fold predictions of every sagittal series (as written to series_coords.csv). */
  series: SeriesCoords[];
}

function summary(samples: readonly CoordsSample[], preds: Float32Array): ErrorSummary {
  const e = coordsErrors(samples.map((s) => s.target), preds);
  return { meanError: e.meanError, nSeries: e.nSeries, over3: e.over[3], over4: e.over[4], over5: e.over[5] };
}

/** Fold of a sample's study; −1 for a study outside the cross-validation (no labels). */
function foldOf(data: CoordsData, s: CoordsSample): number {
  return data.folds.get(s.studyId) ?? -1;
}

/** What a worker needs to rebuild the coordinates task (structured-cloneable). */
export interface CoordsTaskArgs {
  samples: CoordsSample[];
  /** Fold of each sample; −1 = in every training fold, never validated. */
  folds: number[];
  config: CoordsConfig;
}

/** The shared loop's task for the coordinates model (a TaskRef factory: workers call it too). */
export function coordsTask({ samples, folds, config }: CoordsTaskArgs): TrainTask {
  const { train: _train, ...modelConfig } = config;
  return {
    name: COORDS_MODEL_NAME,
    data: new CoordsDataset(samples, folds, config.model.imageSize, config.augment, inputChannels(config.model)),
    buildModel: ({ rng }) => buildCoordsModel(config.model, rng),
    loss: maskedMse,
    outputKind: 'values',
    metricName: 'dist',
    metric: (pred, _shape, indices) => {
      const rows = indices.map((i) => samples[i]);
      const all = coordsErrors(rows.map((s) => s.target), pred);
      const parts: Record<string, number> = { over3: all.over[3], over5: all.over[5] };
      for (const d of SAGITTAL_DESCRIPTIONS) {
        const sel = rows.map((s, k) => (s.description === d ? k : -1)).filter((k) => k >= 0);
        if (!sel.length) continue;
        const w = N_COORDS;
        const p = new Float32Array(sel.length * w);
        sel.forEach((k, j) => p.set(pred.subarray(k * w, (k + 1) * w), j * w));
        parts[d === 'Sagittal T1' ? 't1' : 't2'] = coordsErrors(sel.map((k) => rows[k].target), p).meanError;
      }
      return { value: all.meanError, parts };
    },
    meta: { coords: modelConfig },
  };
}

export async function trainCoords(data: CoordsData, config: CoordsConfig, opts: TrainCoordsOptions): Promise<TrainCoordsResult> {
  const t0 = Date.now();
  const labelled = data.series.filter((s) => countPoints(s.target) > 0);
  const noFold = labelled.find((s) => foldOf(data, s) < 0);
  if (noFold) throw new InputLayoutError('a labelled series belongs to a study without a cross-validation fold', { studyId: noFold.studyId, seriesId: noFold.seriesId });
  const spiderTrain = config.spider.use && data.spider ? data.spider.train : [];
  // External images: fold −1 = in every training fold, never validated (reference §4.6).
  const args: CoordsTaskArgs = {
    samples: [...labelled, ...spiderTrain], folds: [...labelled.map((s) => foldOf(data, s)), ...spiderTrain.map(() => -1)], config,
  };
  const [train] = await trainModels([{ task: coordsTask(args), config: config.train, ref: { module: TASK_MODULE, factory: 'coordsTask', args } }], {
    outDir: opts.outDir, onEvent: opts.onEvent, onProgress: opts.onProgress, onConfigChange: opts.onConfigChange,
    workers: opts.workers, profile: opts.profile, prefetch: opts.prefetch,
  });

  // Out-of-fold predictions of EVERY sagittal series (unlabelled ones too: they need crops, §11
  // item 6), each by the model of its study's fold; the fold ensemble on held-out SPIDER slices.
  const dir = modelFolder(opts.outDir, COORDS_MODEL_NAME);
  const trained = config.train.folds ?? Array.from({ length: config.train.nFolds }, (_, f) => f);
  const series: SeriesCoords[] = [];
  const heldOut = data.spider?.heldOut ?? [];
  const spiderPred = new Float32Array(heldOut.length * N_COORDS);
  const outside = data.series.filter((s) => foldOf(data, s) < 0);
  const outsidePred = new Float32Array(outside.length * N_COORDS);
  const push = (s: CoordsSample, fold: number, pred: Float32Array) => series.push({
    studyId: s.studyId, seriesId: s.seriesId, description: s.description as SagittalDescription, fold, pred, truth: s.target,
  });
  for (const f of trained) {
    const m = await loadCoordsModel(dir, f);
    try {
      const mine = data.series.filter((s) => foldOf(data, s) === f);
      const pred = predictImages([m], mine.map((s) => s.image));
      mine.forEach((s, i) => push(s, f, pred.slice(i * N_COORDS, (i + 1) * N_COORDS)));
      // Series outside the CV and held-out SPIDER slices: the mean of the fold models.
      for (const [set, acc] of [[outside, outsidePred], [heldOut, spiderPred]] as const) {
        if (!set.length) continue;
        const p = predictImages([m], set.map((s) => s.image));
        for (let k = 0; k < p.length; k++) acc[k] += p[k] / trained.length;
      }
    } finally {
      m.model.dispose();
    }
  }
  outside.forEach((s, i) => push(s, -1, outsidePred.slice(i * N_COORDS, (i + 1) * N_COORDS)));
  writeSeriesCoords(join(dir, SERIES_COORDS_FILE), series);

  const bySeries = new Map(series.map((s) => [`${s.studyId}_${s.seriesId}`, s]));
  const oofOf = (d?: SagittalDescription) => {
    const rows = labelled.filter((s) => (!d || s.description === d) && bySeries.has(`${s.studyId}_${s.seriesId}`));
    const p = new Float32Array(rows.length * N_COORDS);
    rows.forEach((s, i) => p.set(bySeries.get(`${s.studyId}_${s.seriesId}`)!.pred, i * N_COORDS));
    return summary(rows, p);
  };
  const report: CoordsReport = {
    preset: config.preset,
    nSeries: data.series.length,
    nLabelled: labelled.length,
    nSpiderTrain: spiderTrain.length,
    nSpiderHeldOut: heldOut.length,
    oof: { all: oofOf(), 'Sagittal T1': oofOf('Sagittal T1'), 'Sagittal T2/STIR': oofOf('Sagittal T2/STIR') },
    spiderHeldOut: heldOut.length ? summary(heldOut, spiderPred) : null,
    seconds: (Date.now() - t0) / 1000,
  };
  writeJsonAtomic(join(dir, COORDS_REPORT), report);
  return { train, report, series };
}
