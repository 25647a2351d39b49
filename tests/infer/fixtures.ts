/**
 * A tiny synthetic split (lib/synth) and a models folder built with the stages' real model
 * factories at seeded random init, saved through lib/engine's saveModel in the training layout
 * (`{root}/models/{name}/fold_k|fullfit/`). Inference glue is what is under test, not accuracy.
 */
import { join } from 'node:path';
import { Rng } from '../../lib/core/rng.js';
import { buildClassifier, classifyPreset, modelMeta } from '../../lib/classify/index.js';
import { buildCoordsModel, coordsPreset } from '../../lib/coords/index.js';
import { saveModel } from '../../lib/engine/io.js';
import { buildLvl2Model, layoutOf } from '../../lib/lvl2/index.js';
import { savePriors } from '../../lib/metrics/index.js';
import { readTrainLabels } from '../../lib/data/tables.js';
import { generateDataset } from '../../lib/synth/index.js';

export const TEST_STUDIES = 4;

/** Synthetic competition-layout data: 2 training studies (for train.csv) and 4 test studies. */
export async function makeData(dir: string): Promise<string> {
  await generateDataset({ out: dir, size: 'tiny', studies: 2, testStudies: TEST_STUDIES, seed: 7 });
  return dir;
}

/**
 * `{root}/models/`: coords (2 folds: their mean is used), the tiny classify preset's `crop` (all
 * targets, 2 folds) and `scs` (SCS, full fit + 1 fold), a level-2 MLP over both (full fit + 1 fold),
 * and the class priors of `trainCsv`.
 */
export async function makeModels(root: string, trainCsv: string): Promise<void> {
  const rng = new Rng(3);
  const coords = coordsPreset('tiny');
  for (const f of [0, 1]) await saveModel(buildCoordsModel(coords.model, rng.fork(f)), join(root, 'models', 'coords', `fold_${f}`), { coords });
  const [crop, scs] = classifyPreset('tiny').models;
  for (const [cfg, dirs] of [[crop, ['fold_0', 'fold_1']], [scs, ['fold_0', 'fullfit']]] as const) {
    const meta = modelMeta(cfg);
    for (const [k, d] of dirs.entries()) await saveModel(buildClassifier(meta, rng.fork(10 + k)), join(root, 'models', cfg.name, d), { ...meta, fold: d });
  }
  const layout = layoutOf([
    { name: crop.name, target: 'all', types: ['Sagittal T1', 'Sagittal T2/STIR'] },
    { name: scs.name, target: 'scs', types: ['Sagittal T2/STIR'] },
  ]);
  for (const [k, d] of ['fold_0', 'fullfit'].entries()) {
    await saveModel(buildLvl2Model({ dims: layout.dims, hidden: 16, leak: 0.05 }, rng.fork(20 + k)), join(root, 'models', 'lvl2', d), { stage: 'lvl2', layout });
  }
  savePriors(root, readTrainLabels(trainCsv), trainCsv);
}
