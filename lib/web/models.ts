/**
 * The models of a finished run as the page holds them (StudyModels), loaded from disk and checked as
 * `spinelab infer` checks them: what the site builder writes into manifest.json, and what the tests
 * run the page's inference with in Node.
 */
import type * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCropClassifiers } from '../classify/predict.js';
import { initBackend } from '../engine/backend.js';
import { isPresetName } from '../core/presets.js';
import { inferPreset, loadInferenceModels, modelsRoot, type CheckpointChoice, type InferenceModels, type InferPreset } from '../infer/index.js';
import { resolvePriors, type ClassPriors } from '../metrics/priors.js';
import type { StudyModels } from './infer.js';

export interface LoadedRun {
  root: string;
  preset: InferPreset;
  checkpoints: CheckpointChoice;
  models: StudyModels;
  /** Checkpoint folders per model, as `loadInferenceModels` chose them. */
  used: InferenceModels['used'];
  priors: ClassPriors;
}

/** The preset a main job ran with (`{root}/summary.json`), if it was an inference preset. */
function runPreset(root: string): string | undefined {
  const file = join(root, 'summary.json');
  const preset = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { preset?: unknown }).preset : undefined;
  return typeof preset === 'string' && isPresetName(preset) ? preset : undefined;
}

/**
 * Load the run under `dir` (artefact root or its `models/` folder) with the inference preset's
 * checkpoint choice; the preset defaults to the main job's (summary.json), else demo. Priors: those
 * saved with the models, else `{input}/train.csv`, else uniform.
 */
export async function loadRun(dir: string, opts: { preset?: string; checkpoints?: CheckpointChoice; input?: string } = {}): Promise<LoadedRun> {
  const root = modelsRoot(dir);
  const preset = inferPreset(opts.preset ?? runPreset(root) ?? 'demo');
  const checkpoints = opts.checkpoints ?? preset.checkpoints;
  await initBackend();
  const inf = await loadInferenceModels(root, checkpoints, preset.name);
  const level1: StudyModels['level1'] = [];
  try {
    for (const m of inf.level1) level1.push({ name: m.name, target: m.target, types: m.types, classifiers: await loadCropClassifiers(m.checkpoints) });
  } catch (e) {
    disposeAll([...inf.coords.map((c) => c.model), ...inf.lvl2.models, ...level1.flatMap((l) => l.classifiers.models)]);
    throw e;
  }
  const priors = resolvePriors(root, opts.input ?? root);
  return {
    root, preset, checkpoints, used: inf.used, priors,
    models: { coords: inf.coords, level1, lvl2: inf.lvl2, cropDelta: inf.cropDelta, priors: priors.prediction, batchSize: preset.batchSize },
  };
}

function disposeAll(models: tf.LayersModel[]): void {
  for (const m of models) m.dispose();
}

export function disposeRun(run: LoadedRun): void {
  const m = run.models;
  disposeAll([...m.coords.map((c) => c.model), ...m.lvl2.models, ...m.level1.flatMap((l) => l.classifiers.models)]);
}
