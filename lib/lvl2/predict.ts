import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArtefactError } from '../core/errors.js';
import { loadModel } from '../engine/io.js';
import { foldDirName } from '../train/artefacts.js';
import type { FeatureLayout } from './features.js';
import type { Lvl2Models } from './infer.js';

export { predictLvl2, type Lvl2Models } from './infer.js';

/**
 * Load the level-2 models of a model folder: the full-fit model (the submission's), or the k fold
 * models (as the reference's EVAL mode uses fold weights). The layout comes from the checkpoint
 * meta, so test features get exactly the training columns.
 */
export async function loadLvl2Models(dir: string, which: 'fullfit' | number[]): Promise<Lvl2Models> {
  const names = which === 'fullfit' ? ['fullfit'] : which.map((f) => foldDirName(f));
  const models: tf.LayersModel[] = [];
  let layout: FeatureLayout | undefined;
  for (const n of names) {
    const d = join(dir, n);
    if (!existsSync(join(d, 'model.json'))) throw new ArtefactError(`level-2 model "${n}" is missing (train it: spinelab train lvl2)`, { file: d });
    const { model, meta } = await loadModel<{ layout?: FeatureLayout }>(d);
    if (!meta?.layout) throw new ArtefactError('checkpoint has no feature layout in meta.json', { file: d });
    if (layout && JSON.stringify(layout) !== JSON.stringify(meta.layout)) throw new ArtefactError('level-2 models with different feature layouts cannot be averaged', { file: d });
    layout = meta.layout;
    models.push(model);
  }
  return { models, layout: layout! };
}
