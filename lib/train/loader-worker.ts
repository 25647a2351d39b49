/** The batch loader thread (loader.ts): makes a fold's training batches ahead, as credits allow. */
import { parentPort } from 'node:worker_threads';
import { asError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { buffersOf, foldRngs, stepIndices } from './batches.js';
import type { LoaderReply, LoaderRequest } from './loader.js';
import { buildTask } from './parallel.js';
import type { TaskRef, TrainTask } from './index.js';

const port = parentPort!;
const tasks = new Map<number, Promise<TrainTask>>();
let fold: { token: number; task: Promise<TrainTask>; steps: Generator<number[]>; rng: Rng; credits: number } | null = null;
let pumping = false;

async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (fold && fold.credits > 0) {
      const f = fold;
      const next = f.steps.next();
      if (next.done) break;
      f.credits -= 1;
      let reply: LoaderReply;
      try {
        const task = await f.task;
        if (!task.data.hostBatch) throw new Error(`the dataset of ${task.name} has no hostBatch: it cannot be prefetched`);
        const batch = await task.data.hostBatch(next.value, 'train', f.rng);
        reply = { type: 'batch', token: f.token, batch };
        port.postMessage(reply, buffersOf(batch));
      } catch (e) {
        reply = { type: 'failed', token: f.token, error: asError(e).message };
        port.postMessage(reply);
        fold = null;
      }
    }
  } finally {
    pumping = false;
  }
}

port.on('message', (m: LoaderRequest) => {
  if (m.type === 'fold') {
    if (m.ref) tasks.set(m.key, buildTask(m.ref as TaskRef));
    const task = tasks.get(m.key) ?? Promise.reject(new Error(`no task for model ${m.key}`));
    const rngs = foldRngs(m.config, m.fold);
    fold = { token: m.token, task, steps: stepIndices(m.config, m.trainIdx, rngs.shuffle), rng: rngs.batch, credits: m.depth };
  } else if (fold && m.token === fold.token) fold.credits += 1;
  else return;
  void pump();
});
