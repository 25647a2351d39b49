import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { level1Folds, type Level1Oof } from '../classify/level1.js';
import { discoverLevel1Models, readLevel1Oof } from '../classify/level1-oof.js';
import { writeJsonAtomic } from '../core/atomic.js';
import { ArtefactError, UsageError } from '../core/errors.js';
import type { OnProgress } from '../core/progress.js';
import { Rng } from '../core/rng.js';
import { N_TARGETS } from '../data/vocabulary.js';
import { savePriors, scoreProbabilities, softmax3, studyLoss } from '../metrics/index.js';
import { modelDir } from '../train/artefacts.js';
import { trainModels, type TrainModelsOptions } from '../train/parallel.js';
import type { FoldResult, MetricResult, TrainOptions, TrainProfile, TrainTask } from '../train/types.js';
import { cvTable, readLvl2Oof, type CvTable } from './evaluate.js';
import { buildFeatures, GROUP_ROWS, LVL2_GROUPS, type FeatureLayout, type StudyFeatures } from './features.js';
import { buildLvl2Model } from './model.js';
import type { Lvl2Preset } from './presets.js';

export const LVL2_MODEL_NAME = 'lvl2';

export interface TrainLvl2Options {
  outDir: string;
  /** Study labels (`readTrainLabels`): 25 ints per study, −1 missing. */
  labels: ReadonlyMap<number, ArrayLike<number>>;
  preset: Lvl2Preset;
  /**
   * Folds of labelled studies that have no level-1 row at all (no sagittal series): they train on
   * all-zero features as in the reference. Without it such studies are left out (and counted).
   */
  folds?: ReadonlyMap<number, number>;
  /** Competition input; a synthetic one (with `truth/`) adds the prior and floor rows to the CV table. */
  inputDir?: string;
  /** Model folder name under `{out}/models/` (default "lvl2"). */
  name?: string;
  onEvent?: TrainModelsOptions['onEvent'];
  onProgress?: OnProgress;
  onConfigChange?: TrainOptions['onConfigChange'];
  /**
   * Folds trained at once in worker threads (TrainModelsOptions.workers). Default 1, unlike the
   * level-1 stages: a level-2 fold takes about a second of CPU, less than starting a worker
   * (measured: 2 workers used 35 % more CPU time than 1 for the demo preset, for no gain).
   */
  workers?: number;
  profile?: boolean;
  prefetch?: boolean;
}

export interface Lvl2Report {
  preset: string;
  level1Models: string[];
  layout: FeatureLayout;
  parameters: number;
  nStudies: number;
  /** Labelled studies without any level-1 row and without a fold: not used. */
  nLeftOut: number;
  /**
   * Competition metric on the out-of-fold predictions: level-1 logits alone vs the level-2 MLP (and
   * the class prior and Bayes floor of the same studies on synthetic inputs).
   */
  cv: CvTable;
  folds: Omit<FoldResult, 'curve'>[];
  /** Level-2 OOF probabilities' files (logits in `oof_logits.npy`, from the shared loop). */
  modelDir: string;
  /** With `profile`: where the training time went. */
  profile?: TrainProfile;
}

/** The level-2 data: features, labels and folds of the studies it trains on. */
export interface Lvl2Data {
  sets: Level1Oof[];
  features: StudyFeatures;
  /** studies × 25 (int32, −1 missing). */
  labels: Int32Array;
  folds: Int32Array;
  nLeftOut: number;
}

/** Load the level-1 OOF logits and build the level-2 training table. */
export function loadLvl2Data(outDir: string, labels: ReadonlyMap<number, ArrayLike<number>>, models?: readonly string[], extraFolds?: ReadonlyMap<number, number>, name = LVL2_MODEL_NAME): Lvl2Data {
  const names = models ?? discoverLevel1Models(outDir, [name]);
  if (!names.length) throw new ArtefactError(`no level-1 OOF logits under ${join(outDir, 'models')} (train the crop models first: spinelab train crops)`);
  const sets = names.map((n) => readLevel1Oof(outDir, n));
  const fromLevel1 = level1Folds(sets);
  const studyIds: number[] = [];
  const folds: number[] = [];
  let nLeftOut = 0;
  for (const study of [...labels.keys()].sort((a, b) => a - b)) {
    const f1 = fromLevel1.get(study);
    const f2 = extraFolds?.get(study);
    if (f1 !== undefined && f2 !== undefined && f1 !== f2) throw new ArtefactError(`study ${study}: fold ${f1} in the level-1 OOF rows but ${f2} in the folds given`);
    const f = f1 ?? f2;
    if (f === undefined || f < 0) {
      nLeftOut += 1;
      continue;
    }
    studyIds.push(study);
    folds.push(f);
  }
  if (!studyIds.length) throw new ArtefactError('no labelled study has level-1 logits: do the labels belong to this output folder?');
  const lab = new Int32Array(studyIds.length * N_TARGETS);
  studyIds.forEach((s, i) => lab.set(Array.from(labels.get(s)!), i * N_TARGETS));
  return { sets, features: buildFeatures(sets, studyIds), labels: lab, folds: Int32Array.from(folds), nLeftOut };
}

/** A checksum of the training table, so a resumed run notices changed level-1 logits. */
function checksum(data: Lvl2Data): number {
  let h = 0x811c9dc5;
  const mix = (a: ArrayLike<number>) => {
    for (let i = 0; i < a.length; i++) h = Math.imul(h ^ Math.round(a[i] * 1e4), 0x01000193) >>> 0;
  };
  for (const g of LVL2_GROUPS) mix(data.features.x[g]);
  mix(data.labels);
  mix(data.folds);
  return h;
}

/** What a worker needs to rebuild the level-2 task (structured-cloneable). */
export interface Lvl2TaskArgs {
  data: Lvl2Data;
  preset: Lvl2Preset;
  name: string;
}

/** lvl2Task as a TaskRef factory, for worker threads. */
export function lvl2TaskFrom(a: Lvl2TaskArgs): TrainTask {
  return lvl2Task(a.data, a.preset, a.name);
}

const TASK_MODULE = new URL('./train.ts', import.meta.url).href;

/** The shared-loop task of the level-2 MLP. */
export function lvl2Task(data: Lvl2Data, preset: Lvl2Preset, name = LVL2_MODEL_NAME): TrainTask {
  const { features } = data;
  const dims = features.layout.dims;
  const gather = (g: (typeof LVL2_GROUPS)[number], idx: readonly number[]) => {
    const rows = GROUP_ROWS[g][1] - GROUP_ROWS[g][0];
    const per = rows * dims[g];
    const out = new Float32Array(idx.length * per);
    idx.forEach((i, r) => out.set(features.x[g].subarray(i * per, (i + 1) * per), r * per));
    return tf.tensor3d(out, [idx.length, rows, dims[g]]);
  };
  return {
    name,
    outputKind: 'logits',
    metricName: 'score',
    meta: { stage: 'lvl2', layout: features.layout, hidden: preset.hidden, leak: preset.leak, dataChecksum: checksum(data) },
    data: {
      rows: features.studyIds.map((s) => ({ study_id: s })),
      rowColumns: ['study_id'],
      folds: data.folds,
      batch: (idx) => ({
        x: LVL2_GROUPS.map((g) => gather(g, idx)),
        y: tf.tensor2d(Int32Array.from(idx.flatMap((i) => Array.from(data.labels.subarray(i * N_TARGETS, (i + 1) * N_TARGETS)))), [idx.length, N_TARGETS], 'int32'),
      }),
    },
    buildModel: ({ rng }) => buildLvl2Model({ dims, hidden: preset.hidden, leak: preset.leak }, rng),
    loss: (pred, y) => studyLoss(pred, y as tf.Tensor),
    metric: (pred, _shape, indices): MetricResult => {
      const labels = new Int32Array(indices.length * N_TARGETS);
      indices.forEach((i, r) => labels.set(data.labels.subarray(i * N_TARGETS, (i + 1) * N_TARGETS), r * N_TARGETS));
      const { score, ...parts } = scoreProbabilities(indices.map((i) => features.studyIds[i]), labels, softmax3(pred));
      return { value: score, parts };
    },
  };
}

/**
 * Train the level-2 MLP on the level-1 OOF logits with the shared loop (k folds on the level-1
 * folds, optional full fit) and report the CV of level 1 alone and of level 2, per group.
 * Writes `{out}/models/{name}/report.json` next to the loop's artefacts.
 */
export async function trainLvl2(opts: TrainLvl2Options): Promise<Lvl2Report> {
  const name = opts.name ?? LVL2_MODEL_NAME;
  const data = loadLvl2Data(opts.outDir, opts.labels, opts.preset.models, opts.folds, name);
  const k = opts.preset.train.nFolds;
  const bad = Array.from(data.folds).find((f) => f >= k);
  if (bad !== undefined) throw new UsageError(`level-1 folds go up to ${bad}, but the level-2 preset has nFolds = ${k}`);
  const task = lvl2Task(data, opts.preset, name);
  const args: Lvl2TaskArgs = { data, preset: opts.preset, name };
  const [res] = await trainModels([{ task, config: opts.preset.train, ref: { module: TASK_MODULE, factory: 'lvl2TaskFrom', args } }], {
    outDir: opts.outDir, onEvent: opts.onEvent, onProgress: opts.onProgress, onConfigChange: opts.onConfigChange,
    workers: opts.workers ?? 1, profile: opts.profile, prefetch: opts.prefetch,
  });
  if (!res.manifest) throw new UsageError('level 2 reports a CV only when every fold is trained (remove `folds` from the preset)');
  const oof = readLvl2Oof(opts.outDir, data.sets, opts.labels, name);
  const model = task.buildModel({ fold: 0, rng: new Rng(0) });
  const parameters = model.countParams();
  model.dispose();
  const report: Lvl2Report = {
    preset: opts.preset.name,
    level1Models: data.sets.map((s) => s.name),
    layout: data.features.layout,
    parameters,
    nStudies: data.features.studyIds.length,
    nLeftOut: data.nLeftOut,
    cv: cvTable(oof, { inputDir: opts.inputDir }),
    folds: res.folds.map(({ curve: _curve, ...f }) => f),
    modelDir: modelDir(opts.outDir, name),
    ...(res.profile ? { profile: res.profile } : {}),
  };
  writeJsonAtomic(join(report.modelDir, 'report.json'), report);
  // Saved with the models: inference falls back to these for a study whose images fail.
  savePriors(opts.outDir, opts.labels, 'level-2 training labels');
  return report;
}
