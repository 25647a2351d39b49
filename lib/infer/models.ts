/**
 * The trained models inference needs, found by name under `{root}/models/` (the training stages'
 * folders): `coords/`, the level-1 crop models named by the level-2 layout, `lvl2/`, and the crop
 * box of the training crops. Porting note: the reference hard-codes dated run folders (§11 item 1).
 */
import type * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ArtefactError } from '../core/errors.js';
import { COORDS_MODEL_NAME, loadCoordsModel, type CoordsModel } from '../coords/index.js';
import { cropsPreset } from '../crops/index.js';
import { hasSavedModel } from '../engine/io.js';
import { loadLvl2Models, LVL2_MODEL_NAME, type Lvl2Models, type ModelLayout } from '../lvl2/index.js';
import { foldDirName, modelDir } from '../train/artefacts.js';
import type { CheckpointChoice } from './presets.js';

/**
 * The artefact root holding `models/`: `dir` itself, or its parent when `dir` is the `models/`
 * folder.
 */
export function modelsRoot(dir: string): string {
  if (existsSync(join(dir, 'models'))) return dir;
  if (basename(dir) === 'models' && existsSync(dir)) return dirname(dir);
  throw new ArtefactError('no trained models here (expected a models/ folder: train first, or pass --models)', { file: dir });
}

/** Folds (ascending) and full fit present in a model folder, as checkpoint sub-folders. */
function savedCheckpoints(dir: string): { folds: number[]; fullfit: boolean } {
  if (!existsSync(dir)) return { folds: [], fullfit: false };
  const folds = readdirSync(dir)
    .map((n) => /^fold_(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && hasSavedModel(join(dir, m[0])))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  return { folds, fullfit: hasSavedModel(join(dir, foldDirName('fullfit'))) };
}

/** The checkpoints of one model folder for a choice, as fold numbers / 'fullfit'. */
export function chooseCheckpoints(dir: string, choice: CheckpointChoice): Array<number | 'fullfit'> {
  const saved = savedCheckpoints(dir);
  if (choice === 'fullfit' || (choice === 'auto' && saved.fullfit)) {
    if (!saved.fullfit) throw new ArtefactError('no full-fit checkpoint (fullfit/model.json): train with fullFit, or use the fold models', { file: dir });
    return ['fullfit'];
  }
  if (!saved.folds.length) throw new ArtefactError('no checkpoint (fold_k/model.json or fullfit/model.json): train this model first', { file: dir });
  return saved.folds;
}

/** Everything inference loads once, before the studies. */
export interface InferenceModels {
  root: string;
  coords: CoordsModel[];
  /** Level-1 models in the level-2 layout's order, each with its checkpoint folders. */
  level1: Array<ModelLayout & { checkpoints: string[] }>;
  lvl2: Lvl2Models;
  /** Half-size of the crop box (relative), as the training crops were cut. */
  cropDelta: number;
  /** Checkpoint folders used, per model (for the result and the notebook). */
  used: Record<string, string[]>;
}

/** The crop box of the training crops (their manifest), else the crops preset's. */
function trainingCropDelta(root: string, preset: string): number {
  const file = join(root, 'crops', 'predicted', 'manifest.json');
  if (existsSync(file)) {
    const delta = (JSON.parse(readFileSync(file, 'utf8')) as { delta?: unknown }).delta;
    if (typeof delta === 'number' && delta > 0) return delta;
  }
  return cropsPreset(preset).delta;
}

export async function loadInferenceModels(dir: string, choice: CheckpointChoice, preset: string): Promise<InferenceModels> {
  const root = modelsRoot(dir);
  const used: Record<string, string[]> = {};
  const coordsDir = modelDir(root, COORDS_MODEL_NAME);
  const coordsFolds = chooseCheckpoints(coordsDir, choice);
  used[COORDS_MODEL_NAME] = coordsFolds.map((f) => join(coordsDir, foldDirName(f)));
  const lvl2Dir = modelDir(root, LVL2_MODEL_NAME);
  const lvl2Folds = chooseCheckpoints(lvl2Dir, choice);
  used[LVL2_MODEL_NAME] = lvl2Folds.map((f) => join(lvl2Dir, foldDirName(f)));
  const level1 = [];
  const coords: CoordsModel[] = [];
  let lvl2: Lvl2Models | undefined;
  try {
    for (const f of coordsFolds) coords.push(await loadCoordsModel(coordsDir, f));
    lvl2 = await loadLvl2Models(lvl2Dir, lvl2Folds[0] === 'fullfit' ? 'fullfit' : (lvl2Folds as number[]));
    for (const m of lvl2.layout.models) {
      const d = modelDir(root, m.name);
      const checkpoints = chooseCheckpoints(d, choice).map((f) => join(d, foldDirName(f)));
      used[m.name] = checkpoints;
      level1.push({ ...m, checkpoints });
    }
  } catch (e) {
    disposeAll([...coords.map((c) => c.model), ...(lvl2?.models ?? [])]);
    throw e;
  }
  return { root, coords, level1, lvl2, cropDelta: trainingCropDelta(root, preset), used };
}

function disposeAll(models: tf.LayersModel[]): void {
  for (const m of models) m.dispose();
}

export function disposeInferenceModels(m: InferenceModels): void {
  disposeAll([...m.coords.map((c) => c.model), ...m.lvl2.models]);
}
