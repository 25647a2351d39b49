import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../lib/core/rng.js';
import type { TaskRef, TrainTask } from '../../lib/train/index.js';

export interface ToyArgs {
  name?: string;
  n?: number;
  /** Make this fold's worker fail: throw from buildModel, or end the thread (process.exit). */
  die?: { fold: number; how: 'throw' | 'exit' };
}

/**
 * A 3-class problem with a learnable rule (class = which of the first 3 features is largest), as a
 * task factory a worker thread can rebuild (toyRef).
 */
export function toyTask(args: ToyArgs = {}): TrainTask {
  const { name = 'toy', n = 60 } = args;
  const rng = new Rng(3);
  const x = Array.from({ length: n }, () => Array.from({ length: 4 }, () => rng.normal()));
  const y = x.map((r) => r.slice(0, 3).indexOf(Math.max(...r.slice(0, 3))));
  return {
    name,
    outputKind: 'logits',
    metricName: 'acc',
    meta: { purpose: 'test' },
    data: {
      rows: x.map((_, i) => ({ study_id: 100 + i, label: y[i] })),
      rowColumns: ['study_id', 'label'],
      folds: x.map((_, i) => i % 3),
      batch: (idx) => ({ x: tf.tensor2d(idx.map((i) => x[i])), y: tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((i) => y[i]), 'int32'), 3)) }),
    },
    buildModel: ({ fold, rng: r }) => {
      if (args.die?.fold === fold) {
        if (args.die.how === 'exit') process.exit(3);
        throw new Error(`toy failure in fold ${fold}`);
      }
      const init = () => tf.initializers.glorotUniform({ seed: r.int(0, 1e6) });
      return tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [4], units: 16, activation: 'relu', kernelInitializer: init() }),
          tf.layers.dense({ units: 3, kernelInitializer: init() }),
        ],
      });
    },
    loss: (pred, t) => tf.losses.softmaxCrossEntropy(t as tf.Tensor, pred) as tf.Scalar,
    metric: (pred, shape, indices) => {
      let ok = 0;
      for (let i = 0; i < shape[0]; i++) {
        const p = Array.from(pred.slice(3 * i, 3 * i + 3));
        ok += p.indexOf(Math.max(...p)) === y[indices[i]] ? 1 : 0;
      }
      return { value: ok / shape[0] };
    },
  };
}

export const toyRef = (args: ToyArgs = {}): TaskRef<ToyArgs> => ({ module: new URL('./toy.ts', import.meta.url).href, factory: 'toyTask', args });
