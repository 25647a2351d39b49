import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.js';
import { N_CLASSES } from '../data/vocabulary.js';
import { GROUP_ROWS, LVL2_GROUPS, type Lvl2Group } from './features.js';

export interface Lvl2ModelConfig {
  /** Input width of each head (FeatureLayout.dims). */
  dims: Record<Lvl2Group, number>;
  /** Hidden units of each head (reference dense_dim 4096). */
  hidden: number;
  /** LeakyReLU slope (reference 0.05). */
  leak: number;
}

/**
 * The reference's `SimpleModel` (§6.2): three independent heads Linear(ft_dim[g] → hidden) →
 * LeakyReLU → Linear(hidden → 3), each applied row-wise, so one head's weights are shared by the 5
 * SCS levels, or the 5 levels × 2 sides of NFN / SS. Inputs [B, 5, d_scs], [B, 10, d_nfn],
 * [B, 10, d_ss]; output logits [B, 25, 3] in TARGETS order. Dropout is 0 in the reference: omitted.
 * Weights use PyTorch's nn.Linear initialisation, U(±1/√fan_in) for kernel and bias, so training
 * starts from the same distribution as the reference.
 */
export function buildLvl2Model(c: Lvl2ModelConfig, rng: Rng): tf.LayersModel {
  const init = (fanIn: number) => tf.initializers.randomUniform({ minval: -1 / Math.sqrt(fanIn), maxval: 1 / Math.sqrt(fanIn), seed: rng.int(0, 2 ** 31 - 1) });
  const inputs = LVL2_GROUPS.map((g) => tf.input({ shape: [GROUP_ROWS[g][1] - GROUP_ROWS[g][0], c.dims[g]], name: `${g}_features` }));
  const outputs = LVL2_GROUPS.map((g, i) => {
    const h = tf.layers.dense({ units: c.hidden, name: `${g}_dense1`, kernelInitializer: init(c.dims[g]), biasInitializer: init(c.dims[g]) }).apply(inputs[i]);
    const a = tf.layers.leakyReLU({ alpha: c.leak, name: `${g}_act` }).apply(h);
    return tf.layers.dense({ units: N_CLASSES, name: `${g}_dense2`, kernelInitializer: init(c.hidden), biasInitializer: init(c.hidden) }).apply(a) as tf.SymbolicTensor;
  });
  const logits = tf.layers.concatenate({ axis: 1, name: 'logits' }).apply(outputs) as tf.SymbolicTensor;
  return tf.model({ inputs, outputs: logits, name: 'lvl2' });
}
