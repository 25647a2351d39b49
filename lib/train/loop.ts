import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { SpinelabError, UsageError } from '../core/errors.js';
import type { OnProgress } from '../core/progress.js';
import { saveModel } from '../engine/io.js';
import {
  appendLog, fingerprint, foldDirName, modelDir, OOF_ROWS, oofFile, readFinishedFold, readFoldPredictions,
  writeFoldPredictions, writeFoldResult, writeOof,
} from './artefacts.js';
import { foldRngs, foldSteps, stepIndices, stepsPerEpoch, tensorsOf } from './batches.js';
import type { BatchLoader } from './loader.js';
import { clipByGlobalNorm, lrFactor, makeOptimizer } from './optim.js';
import { disposeBatch, forward, predictRows } from './predict.js';
import { mergeProfiles, StepTimer } from './profile.js';
import type { TaskRef } from './parallel.js';
import type {
  CurvePoint, FoldResult, Row, TrainConfig, TrainEvent, TrainManifest, TrainOptions, TrainProfile, TrainResult, TrainTask,
} from './types.js';

/**
 * The shared training loop (reference `training/main.py::k_fold` + `training/train.py::fit`,
 * docs/porting.md §5.8–5.9): k folds (+ optional full fit), each seeded with seed + fold, a
 * custom step (tf.variableGrads → global-norm clipping → optimizer), evaluation every N steps and at
 * the end, the final evaluation's predictions kept (no best-epoch pick, no early stopping).
 * Resumable per fold. Porting note: no fp16/GradScaler (tfjs trains in float32), so every step
 * advances the schedule; one process, so no DDP sampler seeds (§11 item 7).
 */
export async function trainKFold(task: TrainTask, config: TrainConfig, options: TrainOptions, loader?: FoldContext['loader']): Promise<TrainResult> {
  checkConfig(config);
  const ctx: FoldContext = {
    outDir: options.outDir, emit: modelEmitter(task, options.outDir, options.onEvent), fp: fingerprint(task, config),
    onConfigChange: options.onConfigChange ?? 'error', onProgress: options.onProgress, profile: options.profile, loader,
  };
  const outcomes: FoldOutcome[] = [];
  for (const plan of planFolds(task, config)) outcomes.push(await runFold(task, config, ctx, plan));
  return finishModel(task, config, options.outDir, outcomes);
}

/** One fold to train: its training and validation row indices. */
export interface FoldPlan {
  fold: number | 'fullfit';
  trainIdx: number[];
  valIdx: number[];
}

/** The folds of a run, in order (selected folds, then the full fit when asked for). */
export function planFolds(task: TrainTask, config: TrainConfig): FoldPlan[] {
  const folds = config.folds ?? Array.from({ length: config.nFolds }, (_, f) => f);
  const foldOf = task.data.folds;
  const all = task.data.rows.map((_, i) => i);
  const plans: FoldPlan[] = folds.map((f) => ({ fold: f, trainIdx: all.filter((i) => foldOf[i] !== f), valIdx: all.filter((i) => foldOf[i] === f) }));
  if (config.fullFit) plans.push({ fold: 'fullfit', trainIdx: all, valIdx: all.filter((i) => foldOf[i] === 0) });
  return plans;
}

/** Writes each event to the model's log.txt, then passes it on. */
export function modelEmitter(task: TrainTask, outDir: string, onEvent?: (e: TrainEvent) => void): (e: TrainEvent) => void {
  const logFile = join(modelDir(outDir, task.name), 'log.txt');
  return (e) => {
    appendLog(logFile, describe(task, e));
    onEvent?.(e);
  };
}

/** What a fold needs besides the task: where to write, whom to tell. */
export interface FoldContext {
  outDir: string;
  emit: (e: TrainEvent) => void;
  /** The run's fingerprint (artefacts.ts), stored with the fold and checked on resume. */
  fp: string;
  onConfigChange: 'error' | 'retrain';
  onProgress?: OnProgress;
  /** Time the parts of every training step (TrainOptions.profile). */
  profile?: boolean;
  /** Make the training batches ahead in this loader thread (when the dataset has hostBatch). */
  loader?: { loader: BatchLoader; key: number; ref: TaskRef };
}

export interface FoldOutcome {
  plan: FoldPlan;
  result: FoldResult;
  /** Validation predictions, row-aligned with `plan.valIdx`. */
  pred: { data: Float32Array; shape: number[] };
  /** Only for a fold trained now with `profile`. */
  profile?: TrainProfile;
}

export function checkConfig(c: TrainConfig): void {
  const positive = { epochs: c.epochs, batchSize: c.batchSize, nFolds: c.nFolds } as const;
  for (const [k, v] of Object.entries(positive)) {
    if (!(Number.isInteger(v) && v > 0)) throw new UsageError(`train config: ${k} must be a positive integer, got ${v}`);
  }
  for (const f of c.folds ?? []) {
    if (!(Number.isInteger(f) && f >= 0 && f < c.nFolds)) throw new UsageError(`train config: fold ${f} is not in 0..${c.nFolds - 1}`);
  }
}

/** A finished fold's saved outcome (resume), or null when it must be trained. */
export function finishedFold(task: TrainTask, ctx: Pick<FoldContext, 'outDir' | 'fp' | 'onConfigChange'>, plan: FoldPlan): FoldOutcome | null {
  const dir = join(modelDir(ctx.outDir, task.name), foldDirName(plan.fold));
  const done = readFinishedFold(dir, ctx.fp, ctx.onConfigChange);
  return done ? { plan, result: done, pred: readFoldPredictions(dir, task.outputKind) } : null;
}

/**
 * Train one fold (or reuse it when finished with the same configuration), save its checkpoint,
 * validation predictions and result. The same code runs in this thread and in a worker (parallel.ts).
 */
export async function runFold(task: TrainTask, config: TrainConfig, ctx: FoldContext, plan: FoldPlan): Promise<FoldOutcome> {
  const { fold, trainIdx, valIdx } = plan;
  const { emit } = ctx;
  const dir = join(modelDir(ctx.outDir, task.name), foldDirName(fold));
  const finished = finishedFold(task, ctx, plan);
  if (finished) {
    emit({ type: 'fold-skipped', fold, result: finished.result, reason: 'finished with the same configuration' });
    return finished;
  }
  if (!trainIdx.length) throw new UsageError(`fold ${fold}: no training rows`);
  const t0 = Date.now();
  const rngs = foldRngs(config, fold);
  const model = task.buildModel({ fold, rng: rngs.model });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = makeOptimizer(config.optimizer, vars);
  const perEpoch = stepsPerEpoch(config, trainIdx.length);
  const steps = foldSteps(config, trainIdx.length);
  const evalBatch = config.evalBatchSize ?? config.batchSize;
  emit({ type: 'fold-start', fold, nTrain: trainIdx.length, nVal: valIdx.length, steps, params: model.countParams() });

  const curve: CurvePoint[] = [];
  let lossSum = 0;
  let lossN = 0;
  let step = 0;
  let last = { data: new Float32Array(0), shape: [0], loss: NaN };
  let lastPoint: CurvePoint | undefined;
  const timer = ctx.profile ? new StepTimer() : null;
  const loader = ctx.loader && task.data.hostBatch ? ctx.loader : undefined;
  loader?.loader.start(loader.key, loader.ref, config, plan);
  try {
    for (const idx of stepIndices(config, trainIdx, rngs.shuffle)) {
      const lr = config.optimizer.lr * lrFactor(step, steps, config.schedule);
      // Yield to the event loop once per step so that, in a notebook kernel, progress and live
      // curves reach the frontend while training: the kernel's send queue (lib/notebook/
      // send-queue.ts) holds messages until zeromq gets a loop turn, and a coalesced update
      // waits for a timer.
      await new Promise((resolve) => setImmediate(resolve));
      timer?.begin();
      const batch = loader ? tensorsOf(await loader.loader.next()) : await task.data.batch(idx, 'train', rngs.batch);
      timer?.dataDone();
      let loss: number;
      try {
        loss = trainStep(task, model, vars, optimizer, batch, lr, config.gradClip);
      } finally {
        disposeBatch(batch);
      }
      timer?.stepDone();
      if (!Number.isFinite(loss)) throw new SpinelabError(`${task.name} fold ${fold}: training loss is ${loss} at step ${step + 1}`);
      step += 1;
      lossSum += loss;
      lossN += 1;
      emit({ type: 'step', fold, step, steps, lr, loss });
      ctx.onProgress?.({ label: `${task.name} ${foldDirName(fold)}`, done: step, total: steps, detail: `loss=${loss.toFixed(4)}` });
      if (shouldEvaluate(step, steps, config.evalEvery)) {
        const te = performance.now();
        last = await predictRows(task, model, valIdx, evalBatch);
        const m = valIdx.length && task.metric ? task.metric(last.data, last.shape, valIdx) : undefined;
        timer?.evalDone(performance.now() - te);
        lastPoint = { fold, step, epoch: step / perEpoch, lr, trainLoss: lossSum / lossN, valLoss: last.loss, metric: m?.value, parts: m?.parts };
        lossSum = 0;
        lossN = 0;
        curve.push(lastPoint);
        emit({ type: 'eval', point: lastPoint });
      }
    }
    const result: FoldResult = {
      fold, nTrain: trainIdx.length, nVal: valIdx.length, steps, valLoss: last.loss,
      metric: lastPoint?.metric, parts: lastPoint?.parts, curve, seconds: (Date.now() - t0) / 1000,
    };
    await saveModel(model, dir, { model: task.name, fold, seed: rngs.seed, kind: task.outputKind, config, ...task.meta });
    const rows: Row[] = valIdx.map((i) => ({ ...task.data.rows[i], fold: task.data.folds[i] }));
    writeFoldPredictions(dir, task.outputKind, last.data, last.shape, rows, task.data.rowColumns);
    writeFoldResult(dir, ctx.fp, result);
    emit({ type: 'fold-end', fold, result });
    return { plan, result, pred: { data: last.data, shape: last.shape }, profile: timer?.finish(Date.now() - t0) };
  } finally {
    loader?.loader.stop();
    timer?.stop();
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * The model's TrainResult from its folds' outcomes (in plan order); writes the OOF files and the
 * manifest when every fold of the CV is there.
 */
export function finishModel(task: TrainTask, config: TrainConfig, outDir: string, outcomes: readonly FoldOutcome[]): TrainResult {
  const dir = modelDir(outDir, task.name);
  const cv = outcomes.filter((o) => o.plan.fold !== 'fullfit');
  const folds = cv.map((o) => o.plan.fold as number);
  const results = cv.map((o) => o.result);
  const result: TrainResult = { modelDir: dir, folds: results, fullFit: outcomes.find((o) => o.plan.fold === 'fullfit')?.result };
  const profiles = outcomes.flatMap((o) => (o.profile ? [o.profile] : []));
  if (profiles.length) result.profile = mergeProfiles(profiles);
  const allFolds = Array.from({ length: config.nFolds }, (_, f) => f).every((f) => folds.includes(f));
  if (allFolds) result.manifest = assembleOof(task, config, dir, folds, results, cv.map((o) => ({ ...o.pred, idx: o.plan.valIdx })));
  return result;
}

/** Evaluate every `every` steps, except within the last `every` steps; always at the end. */
export function shouldEvaluate(step: number, total: number, every: number): boolean {
  if (step === total) return true;
  return every > 0 && step % every === 0 && total - step >= every;
}

/** One optimisation step (forward in training mode, loss, gradients, global-norm clip, optimizer); returns the loss. */
export function trainStep(
  task: Pick<TrainTask, 'name' | 'loss' | 'forward'>, model: tf.LayersModel, vars: tf.Variable[], optimizer: ReturnType<typeof makeOptimizer>,
  batch: { x: tf.Tensor | tf.Tensor[]; y?: tf.Tensor | tf.Tensor[] }, lr: number, gradClip: number,
): number {
  const y = batch.y;
  if (!y) throw new UsageError(`${task.name}: a training batch has no targets`);
  const value = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => task.loss(forward(task, model, batch.x, true), y), vars);
    const raw = vars.map((v) => grads[v.name]);
    const clipped = clipByGlobalNorm(raw, gradClip);
    if (gradClip > 0) tf.dispose(raw); // replaced by the clipped copies: one set of gradients on the heap
    optimizer.step(clipped.grads, lr);
    return value;
  });
  const loss = value.dataSync()[0];
  value.dispose();
  return loss;
}

function assembleOof(
  task: TrainTask, config: TrainConfig, dir: string, folds: number[], results: FoldResult[],
  preds: { data: Float32Array; shape: number[]; idx: number[] }[],
): TrainManifest {
  const idx = preds.flatMap((p) => p.idx);
  const per = preds.find((p) => p.idx.length)?.shape.slice(1) ?? [];
  const size = per.reduce((a, b) => a * b, 1);
  const data = new Float32Array(idx.length * size);
  let o = 0;
  for (const p of preds) {
    data.set(p.data, o);
    o += p.data.length;
  }
  const cv = task.metric && idx.length ? task.metric(data, [idx.length, ...per], idx) : undefined;
  const manifest: TrainManifest = {
    ...task.meta,
    kind: task.outputKind, model: task.name, oof: oofFile(task.outputKind), rows: OOF_ROWS,
    shape: [idx.length, ...per], nFolds: config.nFolds, folds, fullFit: Boolean(config.fullFit),
    metricName: task.metricName, cv, foldResults: results, config,
  };
  const rows: Row[] = idx.map((i) => ({ ...task.data.rows[i], fold: task.data.folds[i] }));
  writeOof(dir, manifest, data, rows, task.data.rowColumns);
  return manifest;
}

/** One log line per event, in the spirit of the reference's log. */
function describe(task: TrainTask, e: TrainEvent): string {
  const f = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(4));
  switch (e.type) {
    case 'fold-start':
      return `${task.name} ${foldDirName(e.fold)}: ${e.nTrain} train / ${e.nVal} val rows, ${e.steps} steps, ${e.params} parameters`;
    case 'step':
      return `${task.name} ${foldDirName(e.fold)} step ${e.step}/${e.steps} lr=${e.lr.toExponential(2)} loss=${f(e.loss)}`;
    case 'eval': {
      const p = e.point;
      const parts = p.parts ? ' ' + Object.entries(p.parts).map(([k, v]) => `${k}=${f(v)}`).join(' ') : '';
      return `${task.name} ${foldDirName(p.fold)} epoch ${p.epoch.toFixed(2)} step ${p.step} lr=${p.lr.toExponential(2)} train_loss=${f(p.trainLoss)} val_loss=${f(p.valLoss)}${p.metric !== undefined ? ` ${task.metricName ?? 'metric'}=${f(p.metric)}` : ''}${parts}`;
    }
    case 'fold-end':
      return `${task.name} ${foldDirName(e.fold)} done in ${e.result.seconds.toFixed(1)} s: val_loss=${f(e.result.valLoss)}${e.result.metric !== undefined ? ` ${task.metricName ?? 'metric'}=${f(e.result.metric)}` : ''}`;
    case 'fold-skipped':
      return `${task.name} ${foldDirName(e.fold)} skipped (${e.reason})`;
  }
}
