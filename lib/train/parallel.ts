/**
 * Parallel training: the (model, fold) jobs of a stage run at the same time in worker threads, each
 * with its own tfjs engine and WASM backend; this thread schedules them, forwards their events and
 * progress as they come, and assembles each model's OOF files as the sequential loop does.
 *
 * Why worker_threads and not processes: tfjs and the WASM module load in a worker thread like in a
 * process (one engine, one WASM instance and heap per thread; measured here: about 100 MB and 4 s
 * to start one on a loaded 2-core machine), and a thread cannot outlive its process, so Ctrl-C,
 * a kill or a restarted notebook kernel leaves no stray trainer behind. Two single-threaded WASM
 * trainers side by side each run at full speed (design notes §3). A worker that throws, calls
 * process.exit or runs out of memory ends only its own thread; its job is reported as failed.
 */
import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SpinelabError, UsageError } from '../core/errors.js';
import { checkWorkers, defaultWorkers } from '../core/pool.js';
import type { OnProgress } from '../core/progress.js';
import { fingerprint, foldDirName } from './artefacts.js';
import { foldSteps } from './batches.js';
import { BatchLoader } from './loader.js';
import {
  checkConfig, finishedFold, finishModel, modelEmitter, planFolds, runFold, trainKFold,
  type FoldOutcome, type FoldPlan,
} from './loop.js';
import type { TrainConfig, TrainEvent, TrainOptions, TrainResult, TrainTask } from './types.js';
import type { JobMessage, WorkerMessage } from './worker.js';

/**
 * How a worker rebuilds a task (a TrainTask holds functions, which cannot cross threads): a module
 * exporting a factory, and the factory's argument.
 */
export interface TaskRef<A = unknown> {
  /** File URL of the module, e.g. `new URL('./train.ts', import.meta.url).href`. */
  module: string;
  /** Name of the exported factory, `(args: A) => TrainTask | Promise<TrainTask>`. */
  factory: string;
  /** Copied to each worker once (structured clone: plain data, typed arrays, Maps; no functions). */
  args: A;
}

export type TaskFactory<A> = (args: A) => TrainTask | Promise<TrainTask>;

/** Build the task a TaskRef describes (in a worker or loader thread). */
export async function buildTask(ref: TaskRef): Promise<TrainTask> {
  const mod = (await import(ref.module)) as Record<string, unknown>;
  const factory = mod[ref.factory] as TaskFactory<unknown> | undefined;
  if (typeof factory !== 'function') throw new Error(`${ref.module} exports no task factory "${ref.factory}"`);
  return factory(ref.args);
}

/** One model of a stage: its task (built here), config, and how a worker rebuilds the task. */
export interface ModelJob {
  task: TrainTask;
  config: TrainConfig;
  /** Must build a task with the same fingerprint as `task` (checked in the worker). */
  ref: TaskRef;
}

export interface TrainModelsOptions extends Omit<TrainOptions, 'onEvent'> {
  /** Every event of every model, as it happens (from whichever worker runs the fold). */
  onEvent?: (e: TrainEvent, model: string) => void;
  /**
   * Folds trained at the same time, each in a worker thread; 1 = one after the other in this
   * thread (the sequential loop). Default: `$SPINELAB_WORKERS`, else the number of cores.
   */
  workers?: number;
  /**
   * After a fold fails: 'stop' (default) lets the running folds finish and starts no new one;
   * 'continue' trains every other fold. Either way the finished folds are saved (a rerun resumes
   * them), the models whose folds all finished get their OOF files, and then the call throws.
   */
  onFailure?: 'stop' | 'continue';
  /**
   * Make each trainer's batches ahead in a loader thread of its own (datasets with hostBatch).
   * Default: only when there are at least twice as many cores as training threads, where the
   * loaders have cores to themselves (measured in the README: with one trainer per core they only
   * compete with the trainers).
   */
  prefetch?: boolean;
}

/** Whether loader threads have cores of their own: at least twice as many cores as training threads. */
export function prefetchPays(trainers: number): boolean {
  return 2 * trainers <= availableParallelism();
}

/** A fold that failed, with the model and fold it belongs to. */
export interface FoldFailure {
  model: string;
  fold: number | 'fullfit';
  error: string;
}

/**
 * Train the k folds of several models, up to `workers` folds at a time. Returns one TrainResult
 * per model, in order. Artefacts are the same as with trainKFold, model by model; the same seeds
 * give the same weights in a worker as in this thread.
 */
export async function trainModels(jobs: readonly ModelJob[], options: TrainModelsOptions): Promise<TrainResult[]> {
  const workers = checkWorkers(options.workers ?? defaultWorkers());
  const forModel = (name: string) => (e: TrainEvent) => options.onEvent?.(e, name);
  const canPrefetch = jobs.some((j) => j.task.data.hostBatch);
  if (workers === 1) {
    const loader = canPrefetch && (options.prefetch ?? prefetchPays(1)) ? new BatchLoader() : undefined;
    try {
      const out: TrainResult[] = [];
      for (const [i, j] of jobs.entries()) {
        out.push(await trainKFold(j.task, j.config, { ...options, onEvent: forModel(j.task.name) }, loader && { loader, key: i, ref: j.ref }));
      }
      return out;
    } finally {
      await loader?.close();
    }
  }
  const onConfigChange = options.onConfigChange ?? 'error';
  const models = jobs.map((j) => {
    checkConfig(j.config);
    return {
      ...j, name: j.task.name, fp: fingerprint(j.task, j.config), emit: modelEmitter(j.task, options.outDir, forModel(j.task.name)),
      plans: planFolds(j.task, j.config), outcomes: new Map<number, FoldOutcome>(),
    };
  });
  const names = new Set<string>();
  for (const m of models) {
    if (names.has(m.name)) throw new UsageError(`two models named "${m.name}" would write to the same folder`);
    names.add(m.name);
  }
  const pending: PendingFold[] = [];
  for (const [mi, m] of models.entries()) {
    for (const [pi, plan] of m.plans.entries()) {
      const done = finishedFold(m.task, { outDir: options.outDir, fp: m.fp, onConfigChange }, plan);
      if (done) {
        m.emit({ type: 'fold-skipped', fold: plan.fold, result: done.result, reason: 'finished with the same configuration' });
        m.outcomes.set(pi, done);
      } else pending.push({ model: mi, plan: pi, fold: plan, steps: foldSteps(m.config, plan.trainIdx.length) });
    }
  }

  let failures: FoldFailure[] = [];
  if (pending.length === 1) {
    // One fold left (e.g. a resumed run): no worker to start, train it here.
    const p = pending[0];
    const m = models[p.model];
    const loader = m.task.data.hostBatch && (options.prefetch ?? prefetchPays(1)) ? new BatchLoader() : undefined;
    const ctx = {
      outDir: options.outDir, emit: m.emit, fp: m.fp, onConfigChange, onProgress: options.onProgress, profile: options.profile,
      loader: loader && { loader, key: p.model, ref: m.ref },
    };
    try {
      m.outcomes.set(p.plan, await runFold(m.task, m.config, ctx, p.fold));
    } finally {
      await loader?.close();
    }
  } else if (pending.length) {
    // Workers start the backend this thread trains on (importing lib/engine here would register
    // the WASM backend as a side effect).
    const n = Math.min(workers, pending.length);
    const prefetch = canPrefetch && (options.prefetch ?? prefetchPays(n));
    failures = await runPool(pending, models, n, tf.getBackend(), { ...options, prefetch });
  }

  const results = models.map((m) => {
    const outcomes = m.plans.map((_, pi) => m.outcomes.get(pi));
    if (outcomes.some((o) => !o)) return null;
    return finishModel(m.task, m.config, options.outDir, outcomes as FoldOutcome[]);
  });
  if (failures.length) {
    const saved = models.reduce((n, m) => n + m.outcomes.size, 0);
    throw new SpinelabError(
      `${failures.length} fold(s) failed:\n${failures.map((f) => `  ${f.model} ${foldDirName(f.fold)}: ${f.error}`).join('\n')}\n` +
      `${saved} fold(s) finished and are saved; a rerun resumes from them.`,
    );
  }
  return results as TrainResult[];
}

interface PendingFold {
  model: number;
  /** Index into the model's plans. */
  plan: number;
  fold: FoldPlan;
  steps: number;
}

interface PoolModel {
  name: string;
  task: TrainTask;
  config: TrainConfig;
  ref: TaskRef;
  fp: string;
  emit: (e: TrainEvent) => void;
  outcomes: Map<number, FoldOutcome>;
}

const BOOT = new URL('../core/worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./worker.ts', import.meta.url).href;

/** Runs the pending folds on `n` worker threads; resolves with the failures once every worker has exited. */
function runPool(pending: PendingFold[], models: PoolModel[], n: number, backend: string, options: TrainModelsOptions): Promise<FoldFailure[]> {
  return new Promise((resolve, reject) => {
    const failures: FoldFailure[] = [];
    const progress = progressOf(pending, models, n, options.onProgress);
    let next = 0;
    let alive = 0;
    let stopped = false;
    let aborted = false;
    const all = new Set<Worker>();

    const fail = (job: PendingFold, error: string) => {
      failures.push({ model: models[job.model].name, fold: job.fold.fold, error });
      progress.end(job);
      if ((options.onFailure ?? 'stop') === 'stop') stopped = true;
    };
    // An error in this thread (e.g. an onEvent callback threw), or an interrupt: stop every worker
    // and reject. Ctrl-C in a terminal, or a notebook's interrupt (tslab turns it into SIGINT, which
    // would otherwise leave the workers training in the kernel), ends the running folds.
    const onSigint = () => abort(new SpinelabError('interrupted: the running folds were stopped; the finished ones are saved and a rerun resumes'));
    process.once('SIGINT', onSigint);
    const settle = () => process.off('SIGINT', onSigint);
    const abort = (e: unknown) => {
      if (aborted) return;
      aborted = true;
      settle();
      for (const w of all) void w.terminate();
      reject(e);
    };

    const spawn = () => {
      const worker = new Worker(BOOT, { workerData: { entry: ENTRY, backend }, stdout: false, stderr: false });
      all.add(worker);
      alive += 1;
      const sent = new Set<number>();
      let job: PendingFold | null = null;
      let lastError = '';
      const feed = () => {
        if (stopped || next >= pending.length) {
          job = null;
          void worker.terminate();
          return;
        }
        job = pending[next++];
        const m = models[job.model];
        const msg: JobMessage = {
          model: job.model, ref: sent.has(job.model) ? undefined : m.ref, config: m.config, plan: job.fold, fp: m.fp,
          outDir: options.outDir, onConfigChange: options.onConfigChange ?? 'error', profile: options.profile, prefetch: options.prefetch,
        };
        sent.add(job.model);
        progress.start(job);
        worker.postMessage(msg);
      };
      worker.on('message', (msg: WorkerMessage) => {
        if (aborted || !job) return;
        try {
          const m = models[job.model];
          if (msg.type === 'event') {
            m.emit(msg.event);
            if (msg.event.type === 'step') progress.step(job, msg.event.step, msg.event.loss);
          } else if (msg.type === 'done') {
            m.outcomes.set(job.plan, { plan: job.fold, result: msg.result, pred: msg.pred, profile: msg.profile });
            progress.end(job);
            feed();
          } else {
            fail(job, msg.error);
            feed();
          }
        } catch (e) {
          abort(e);
        }
      });
      worker.on('error', (e) => {
        lastError = e.message;
      });
      worker.on('exit', (code) => {
        all.delete(worker);
        alive -= 1;
        if (job && !aborted) {
          fail(job, `the worker died (${lastError || `exit code ${code}`})`);
          job = null;
          if (!stopped && next < pending.length) spawn();
        }
        if (alive === 0 && !aborted) {
          settle();
          resolve(failures);
        }
      });
      feed();
    };
    for (let i = 0; i < n; i++) spawn();
  });
}

/** One progress stream for all running folds: steps done of all folds, the running ones in the detail. */
function progressOf(pending: PendingFold[], models: PoolModel[], n: number, onProgress?: OnProgress) {
  const total = pending.reduce((a, p) => a + p.steps, 0);
  const label = `${[...new Set(pending.map((p) => models[p.model].name))].join(' + ')} (${pending.length} folds, ${n} workers)`;
  const running = new Map<PendingFold, { done: number; loss: number }>();
  let finished = 0;
  const report = () => {
    if (!onProgress) return;
    let done = finished;
    const detail: string[] = [];
    for (const [job, r] of running) {
      done += r.done;
      detail.push(`${models[job.model].name} ${foldDirName(job.fold.fold)} ${r.done}/${job.steps}${Number.isFinite(r.loss) ? ` loss=${r.loss.toFixed(3)}` : ''}`);
    }
    onProgress({ label, done, total, detail: detail.join(' · ') });
  };
  return {
    start(job: PendingFold) {
      running.set(job, { done: 0, loss: NaN });
      report();
    },
    step(job: PendingFold, done: number, loss: number) {
      running.set(job, { done, loss });
      report();
    },
    end(job: PendingFold) {
      if (!running.delete(job)) return;
      finished += job.steps;
      report();
    },
  };
}
