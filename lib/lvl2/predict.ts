import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Level1Logits } from '../classify/level1.js';
import { ArtefactError } from '../core/errors.js';
import { N_CLASSES, N_TARGETS } from '../data/vocabulary.js';
import { loadModel } from '../engine/io.js';
import { foldDirName } from '../train/artefacts.js';
import { buildFeatures, GROUP_ROWS, LVL2_GROUPS, type FeatureLayout } from './features.js';

/** Trained level-2 models and the feature layout they were trained with. */
export interface Lvl2Models {
  models: tf.LayersModel[];
  layout: FeatureLayout;
}

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

/**
 * Level-2 probabilities (studies × 25 × 3, C order) for `studyIds` from level-1 logits: softmax of
 * each model's logits, averaged over the models (reference Inference §8.2 step 5). A study with no
 * level-1 row gets all-zero features and the models' prior output (§8.3).
 */
export function predictLvl2(m: Lvl2Models, sets: readonly Level1Logits[], studyIds: readonly number[], batchSize = 512): Float64Array {
  const f = buildFeatures(sets, studyIds, m.layout);
  const out = new Float64Array(studyIds.length * N_TARGETS * N_CLASSES);
  for (let i = 0; i < studyIds.length; i += batchSize) {
    const n = Math.min(batchSize, studyIds.length - i);
    const probs = tf.tidy(() => {
      const x = LVL2_GROUPS.map((g) => {
        const rows = GROUP_ROWS[g][1] - GROUP_ROWS[g][0];
        const per = rows * m.layout.dims[g];
        return tf.tensor3d(f.x[g].subarray(i * per, (i + n) * per), [n, rows, m.layout.dims[g]]);
      });
      const p = m.models.map((model) => tf.softmax(model.predict(x) as tf.Tensor3D));
      return tf.div(tf.addN(p), m.models.length);
    });
    out.set(probs.dataSync(), i * N_TARGETS * N_CLASSES);
    probs.dispose();
  }
  return out;
}
