/**
 * A training worker thread (parallel.ts): rebuilds each model's task from its TaskRef once, then
 * trains the folds it is sent, one at a time, streaming every event to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { asError } from '../core/errors.js';
import { initBackend, type BackendName } from '../engine/backend.js';
import { fingerprint } from './artefacts.js';
import { BatchLoader } from './loader.js';
import { runFold, type FoldOutcome, type FoldPlan } from './loop.js';
import { buildTask, type TaskRef } from './parallel.js';
import type { TrainConfig, TrainEvent, TrainTask } from './types.js';

export interface JobMessage {
  /** Index of the model in the parent's list; its task is cached under it. */
  model: number;
  /** Sent with the model's first fold on this worker only. */
  ref?: TaskRef;
  config: TrainConfig;
  plan: FoldPlan;
  fp: string;
  outDir: string;
  onConfigChange: 'error' | 'retrain';
  profile?: boolean;
  /** Make the batches ahead in a loader thread of this worker's own. */
  prefetch?: boolean;
}

export type WorkerMessage =
  | { type: 'event'; event: TrainEvent }
  | ({ type: 'done' } & Omit<FoldOutcome, 'plan'>)
  | { type: 'failed'; error: string };

const port = parentPort!;
const ready = initBackend(workerData.backend as BackendName);
const tasks = new Map<number, Promise<TrainTask>>();
const refs = new Map<number, TaskRef>();
let loader: BatchLoader | undefined;

port.on('message', async (m: JobMessage) => {
  let reply: WorkerMessage;
  try {
    await ready;
    if (m.ref) {
      tasks.set(m.model, buildTask(m.ref));
      refs.set(m.model, m.ref);
    }
    const task = await tasks.get(m.model);
    if (!task) throw new Error(`no task for model ${m.model}`);
    if (fingerprint(task, m.config) !== m.fp) {
      throw new Error(`the task rebuilt in the worker differs from the parent's (configuration, meta or row count): check the factory "${m.ref?.factory}"`);
    }
    const emit = (event: TrainEvent) => port.postMessage({ type: 'event', event } satisfies WorkerMessage);
    if (m.prefetch && task.data.hostBatch) loader ??= new BatchLoader();
    const ctx = {
      outDir: m.outDir, emit, fp: m.fp, onConfigChange: m.onConfigChange, profile: m.profile,
      loader: loader && task.data.hostBatch ? { loader, key: m.model, ref: refs.get(m.model)! } : undefined,
    };
    const out = await runFold(task, m.config, ctx, m.plan);
    reply = { type: 'done', result: out.result, pred: out.pred, profile: out.profile };
  } catch (e) {
    const err = asError(e);
    reply = { type: 'failed', error: `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` };
  }
  port.postMessage(reply);
});
