/**
 * Worker thread of the all-core bench: trains one model on its own tfjs/WASM instance, `warmup`
 * steps, then reports ready; on 'go' runs `steps` timed steps and reports their wall-clock.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../engine/index.js';
import { disposeCase, makeCase, trainStepper, type BenchModel, type BenchSizes } from './engine-models.js';

export interface TrainWorkerData { entry: string; model: BenchModel; sizes: BenchSizes; warmup: number; steps: number; seed: number }
export type TrainWorkerReply = { type: 'ready' } | { type: 'done'; ms: number; samples: number } | { type: 'error'; error: string };

const d = workerData as TrainWorkerData;
const port = parentPort!;
try {
  await initBackend('wasm');
  const c = makeCase(d.model, d.sizes, d.seed);
  const t = trainStepper(c);
  for (let i = 0; i < d.warmup; i++) t.step();
  port.once('message', () => {
    try {
      const t0 = performance.now();
      for (let i = 0; i < d.steps; i++) t.step();
      const ms = performance.now() - t0;
      t.dispose();
      disposeCase(c);
      port.postMessage({ type: 'done', ms, samples: d.steps * c.batch } satisfies TrainWorkerReply);
    } catch (e) {
      port.postMessage({ type: 'error', error: (e as Error).message } satisfies TrainWorkerReply);
    }
  });
  port.postMessage({ type: 'ready' } satisfies TrainWorkerReply);
} catch (e) {
  port.postMessage({ type: 'error', error: (e as Error).message } satisfies TrainWorkerReply);
}
