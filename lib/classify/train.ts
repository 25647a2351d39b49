/**
 * Training the crop classifiers through the shared k-fold loop, and their OOF evaluation.
 * Reference: training/main.py::k_fold with the CropDataset configs (§5.1, §5.8).
 */
import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import type { OnProgress } from '../core/progress.js';
import { readOrMakeFolds } from '../data/folds.js';
import { readTrainLabels } from '../data/tables.js';
import { trainModels, type TrainModelsOptions } from '../train/parallel.js';
import type { MetricResult, TrainManifest, TrainResult, TrainTask } from '../train/types.js';
import { buildCropRows, CropDataset, type CropRow } from './dataset.js';
import { CropStore, readCropIndex } from './store.js';
import { conditionMetrics, maskedSoftCrossEntropy } from './loss.js';
import { buildClassifier, modelMeta } from './model.js';
import type { ClassifyModelConfig, ClassifyPreset } from './presets.js';

export interface TrainClassifierOptions {
  /** Competition-layout input folder (labels from `train.csv`). */
  inputDir: string;
  /** Artefact root: crops in `{outDir}/crops/`, folds in `{outDir}/folds.csv`, models in `{outDir}/models/`. */
  outDir: string;
  /** Study labels; default read from `{inputDir}/train.csv`. */
  labels?: ReadonlyMap<number, Int8Array>;
  /** Folds file shared by every stage; default `{outDir}/folds.csv` (made when absent). */
  foldsFile?: string;
  /** Crop root; default `{outDir}/crops`. */
  cropsRoot?: string;
  onEvent?: TrainModelsOptions['onEvent'];
  onProgress?: OnProgress;
  onConfigChange?: 'error' | 'retrain';
  /** Folds trained at once in worker threads (TrainModelsOptions.workers; default $SPINELAB_WORKERS or the cores). */
  workers?: number;
  profile?: boolean;
  onFailure?: TrainModelsOptions['onFailure'];
  prefetch?: boolean;
}

export interface ClassifierRun {
  name: string;
  rows: CropRow[];
  result: TrainResult;
  manifest?: TrainManifest;
}

/** The rows of one model: every sagittal crop (all targets) or the Sagittal T2/STIR ones (SCS), with folds. */
export function classifierRows(cfg: ClassifyModelConfig, opts: TrainClassifierOptions, labels: ReadonlyMap<number, Int8Array>): CropRow[] {
  const cropsRoot = opts.cropsRoot ?? join(opts.outDir, 'crops');
  const index = readCropIndex(cropsRoot, 'predicted');
  const studies = [...new Set(index.map((r) => r.studyId))].filter((s) => labels.has(s));
  const foldsFile = opts.foldsFile ?? join(opts.outDir, 'folds.csv');
  const folds = readOrMakeFolds(foldsFile, studies, labels, cfg.train.nFolds, 42);
  // Studies without labels cannot be trained or scored: they are left out here (inference rows come
  // through predictCropLogits instead).
  return buildCropRows(index.filter((r) => labels.has(r.studyId)), labels, folds, cfg.target);
}

/** The shared loop's task for one classifier. */
export function classifierTask(cfg: ClassifyModelConfig, rows: CropRow[], store: CropStore): TrainTask {
  const meta = modelMeta(cfg);
  const conditions = cfg.target === 'all' ? 5 : 1;
  return {
    name: cfg.name,
    data: new CropDataset(rows, store, cfg),
    buildModel: ({ rng }) => buildClassifier(meta, rng),
    loss: (pred, y) => maskedSoftCrossEntropy(pred, y as tf.Tensor, cfg.weighted),
    outputKind: 'logits',
    metricName: 'auc',
    metric(pred, _shape, indices): MetricResult {
      const labels = new Int8Array(indices.length * conditions);
      indices.forEach((i, j) => labels.set(rows[i].labels.subarray(0, conditions), j * conditions));
      const m = conditionMetrics(pred, labels, conditions);
      return { value: m.auc, parts: { loss: m.loss, ...m.parts } };
    },
    // Saved in every checkpoint's meta.json and in manifest.json: what inference must reproduce.
    meta: { ...meta, trainCrops: cfg.trainCrops, augment: cfg.augment, flip: cfg.flip, mixup: cfg.mixup, weighted: cfg.weighted },
  };
}

/** What a worker needs to rebuild a classifier's task (structured-cloneable). */
export interface ClassifierTaskArgs {
  cfg: ClassifyModelConfig;
  rows: CropRow[];
  cropsRoot: string;
}

const stores = new Map<string, CropStore>();

/**
 * classifierTask as a TaskRef factory, for worker threads: the models a worker trains share one
 * crop cache per crop folder, as trainClassifiers' models share theirs.
 */
export function classifierTaskFrom({ cfg, rows, cropsRoot }: ClassifierTaskArgs): TrainTask {
  let store = stores.get(cropsRoot);
  if (!store) stores.set(cropsRoot, (store = new CropStore(cropsRoot)));
  return classifierTask(cfg, rows, store);
}

const TASK_MODULE = new URL('./train.ts', import.meta.url).href;

/** Train one classifier over all folds; OOF logits land in `{outDir}/models/{name}/oof_logits.npy`. */
export async function trainClassifier(cfg: ClassifyModelConfig, opts: TrainClassifierOptions, store?: CropStore): Promise<ClassifierRun> {
  return (await trainClassifiers({ name: cfg.name, models: [cfg] }, opts, store))[0];
}

/**
 * Train every model of a preset, sharing one crop cache; with workers, the folds of all models
 * are scheduled together (e.g. the crop and SCS models' 8 folds on 2 workers).
 */
export async function trainClassifiers(preset: Pick<ClassifyPreset, 'name' | 'models'>, opts: TrainClassifierOptions, store?: CropStore): Promise<ClassifierRun[]> {
  const labels = opts.labels ?? readTrainLabels(join(opts.inputDir, 'train.csv'));
  const cropsRoot = opts.cropsRoot ?? join(opts.outDir, 'crops');
  const shared = store ?? new CropStore(cropsRoot);
  const models = preset.models.map((cfg) => {
    const rows = classifierRows(cfg, { ...opts, labels }, labels);
    const args: ClassifierTaskArgs = { cfg, rows, cropsRoot };
    return { task: classifierTask(cfg, rows, shared), config: cfg.train, ref: { module: TASK_MODULE, factory: 'classifierTaskFrom', args } };
  });
  const results = await trainModels(models, {
    outDir: opts.outDir, onEvent: opts.onEvent, onProgress: opts.onProgress, onConfigChange: opts.onConfigChange,
    workers: opts.workers, profile: opts.profile, onFailure: opts.onFailure, prefetch: opts.prefetch,
  });
  return results.map((result, i) => ({ name: preset.models[i].name, rows: models[i].ref.args.rows, result, manifest: result.manifest }));
}
