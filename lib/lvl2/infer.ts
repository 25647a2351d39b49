/** Level-2 prediction with models in memory (IO-free: the browser page runs it too). */
import * as tf from '@tensorflow/tfjs';
import { N_CLASSES, N_TARGETS } from '../data/vocabulary.js';
import type { Level1Logits } from '../classify/level1.js';
import { buildFeatures, GROUP_ROWS, LVL2_GROUPS, type FeatureLayout } from './features.js';

/** Trained level-2 models and the feature layout they were trained with. */
export interface Lvl2Models {
  models: tf.LayersModel[];
  layout: FeatureLayout;
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
