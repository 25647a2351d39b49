import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/rng.js';
import type { Batch, TrainTask } from './types.js';

/** Disposes every tensor of a batch. */
export function disposeBatch(b: Batch): void {
  tf.dispose(Array.isArray(b.x) ? b.x : [b.x]);
  if (b.y) tf.dispose(Array.isArray(b.y) ? b.y : [b.y]);
}

export function forward(task: Pick<TrainTask, 'forward'>, model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], training: boolean): tf.Tensor {
  if (task.forward) return task.forward(model, x, training);
  const out = model.apply(x, { training });
  if (Array.isArray(out)) throw new Error('the shared training loop needs a model with one output tensor');
  return out as tf.Tensor;
}

export interface Predictions {
  /** Raw model outputs, C order, `[n, ...outputShape]`. */
  data: Float32Array;
  shape: number[];
  /** Batch-size-weighted mean loss when the batches carry targets, else NaN. */
  loss: number;
}

/**
 * Model outputs for `indices` of the task's data, in order, in batches of `batchSize`
 * (evaluation mode, no augmentation). Used for validation, OOF and inference alike.
 */
export async function predictRows(
  task: Pick<TrainTask, 'data' | 'forward' | 'loss'>,
  model: tf.LayersModel,
  indices: readonly number[],
  batchSize: number,
): Promise<Predictions> {
  const rng = new Rng(0); // eval batches must not draw from it; passed for the signature only
  const chunks: Float32Array[] = [];
  let outShape: number[] = [];
  let lossSum = 0;
  let lossN = 0;
  for (let i = 0; i < indices.length; i += batchSize) {
    const idx = indices.slice(i, i + batchSize);
    const batch = await task.data.batch(idx, 'eval', rng);
    try {
      const [pred, loss] = tf.tidy(() => {
        const p = forward(task, model, batch.x, false);
        return batch.y ? [p, task.loss(p, batch.y)] : [p];
      });
      outShape = pred.shape.slice(1);
      chunks.push(pred.dataSync() as Float32Array);
      if (loss) {
        lossSum += loss.dataSync()[0] * idx.length;
        lossN += idx.length;
      }
      tf.dispose([pred, ...(loss ? [loss] : [])]);
    } finally {
      disposeBatch(batch);
    }
  }
  const per = outShape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(indices.length * per);
  let o = 0;
  for (const c of chunks) {
    data.set(c, o);
    o += c.length;
  }
  return { data, shape: [indices.length, ...outShape], loss: lossN ? lossSum / lossN : NaN };
}
