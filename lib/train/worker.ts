/**
 * A training worker thread (parallel.ts): rebuilds each model's task from its TaskRef once, then
 * trains the folds it is sent, one at a time, streaming every event to the parent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { asError } from '../core/errors.js';
import { initBackend, type BackendName } from '../engine/backend.js';
import { fingerprint } from './artefacts.js';
import { runFold, type FoldOutcome, type FoldPlan } from './loop.js';
import type { TaskFactory, TaskRef } from './parallel.js';
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
}

export type WorkerMessage =
  | { type: 'event'; event: TrainEvent }
  | ({ type: 'done' } & Omit<FoldOutcome, 'plan'>)
  | { type: 'failed'; error: string };

const port = parentPort!;
const ready = initBackend(workerData.backend as BackendName);
const tasks = new Map<number, Promise<TrainTask>>();

async function build(ref: TaskRef): Promise<TrainTask> {
  const mod = (await import(ref.module)) as Record<string, unknown>;
  const factory = mod[ref.factory] as TaskFactory<unknown> | undefined;
  if (typeof factory !== 'function') throw new Error(`${ref.module} exports no task factory "${ref.factory}"`);
  return factory(ref.args);
}

port.on('message', async (m: JobMessage) => {
  let reply: WorkerMessage;
  try {
    await ready;
    if (m.ref) tasks.set(m.model, build(m.ref));
    const task = await tasks.get(m.model);
    if (!task) throw new Error(`no task for model ${m.model}`);
    if (fingerprint(task, m.config) !== m.fp) {
      throw new Error(`the task rebuilt in the worker differs from the parent's (configuration, meta or row count): check the factory "${m.ref?.factory}"`);
    }
    const emit = (event: TrainEvent) => port.postMessage({ type: 'event', event } satisfies WorkerMessage);
    const out = await runFold(task, m.config, { outDir: m.outDir, emit, fp: m.fp, onConfigChange: m.onConfigChange, profile: m.profile }, m.plan);
    reply = { type: 'done', result: out.result, pred: out.pred, profile: out.profile };
  } catch (e) {
    const err = asError(e);
    reply = { type: 'failed', error: `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` };
  }
  port.postMessage(reply);
});
