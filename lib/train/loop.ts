import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { SpinelabError, UsageError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { saveModel } from '../engine/io.js';
import {
  appendLog, fingerprint, foldDirName, modelDir, OOF_ROWS, oofFile, readFinishedFold, readFoldPredictions,
  writeFoldPredictions, writeFoldResult, writeOof,
} from './artefacts.js';
import { clipByGlobalNorm, lrFactor, makeOptimizer } from './optim.js';
import { disposeBatch, forward, predictRows } from './predict.js';
import type { CurvePoint, FoldResult, Row, TrainConfig, TrainEvent, TrainManifest, TrainOptions, TrainResult, TrainTask } from './types.js';

/**
 * The shared training loop (reference `training/main.py::k_fold` + `training/train.py::fit`,
 * reference-pipeline.md §5.8–5.9): k folds (+ optional full fit), each seeded with seed + fold, a
 * custom step (tf.variableGrads → global-norm clipping → optimizer), evaluation every N steps and at
 * the end, the final evaluation's predictions kept (no best-epoch pick, no early stopping).
 * Resumable per fold. Porting note: no fp16/GradScaler (tfjs trains in float32), so every step
 * advances the schedule; one process, so no DDP sampler seeds (§11 item 7).
 */
export async function trainKFold(task: TrainTask, config: TrainConfig, options: TrainOptions): Promise<TrainResult> {
  checkConfig(config);
  const dir = modelDir(options.outDir, task.name);
  const logFile = join(dir, 'log.txt');
  const emit = (e: TrainEvent) => {
    appendLog(logFile, describe(task, e));
    options.onEvent?.(e);
  };
  const folds = config.folds ?? Array.from({ length: config.nFolds }, (_, f) => f);
  const fp = fingerprint(task, config);
  const foldOf = task.data.folds;
  const all = task.data.rows.map((_, i) => i);
  const results: FoldResult[] = [];
  const preds: { data: Float32Array; shape: number[]; idx: number[] }[] = [];
  for (const f of folds) {
    const valIdx = all.filter((i) => foldOf[i] === f);
    const trainIdx = all.filter((i) => foldOf[i] !== f);
    const out = await runFold(task, config, options, emit, fp, f, trainIdx, valIdx);
    results.push(out.result);
    preds.push({ ...out.pred, idx: valIdx });
  }
  let fullFit: FoldResult | undefined;
  if (config.fullFit) {
    fullFit = (await runFold(task, config, options, emit, fp, 'fullfit', all, all.filter((i) => foldOf[i] === 0))).result;
  }
  const result: TrainResult = { modelDir: dir, folds: results, fullFit };
  const allFolds = Array.from({ length: config.nFolds }, (_, f) => f).every((f) => folds.includes(f));
  if (allFolds) result.manifest = assembleOof(task, config, dir, folds, results, preds);
  return result;
}

function checkConfig(c: TrainConfig): void {
  const positive = { epochs: c.epochs, batchSize: c.batchSize, nFolds: c.nFolds } as const;
  for (const [k, v] of Object.entries(positive)) {
    if (!(Number.isInteger(v) && v > 0)) throw new UsageError(`train config: ${k} must be a positive integer, got ${v}`);
  }
  for (const f of c.folds ?? []) {
    if (!(Number.isInteger(f) && f >= 0 && f < c.nFolds)) throw new UsageError(`train config: fold ${f} is not in 0..${c.nFolds - 1}`);
  }
}

async function runFold(
  task: TrainTask, config: TrainConfig, options: TrainOptions, emit: (e: TrainEvent) => void, fp: string,
  fold: number | 'fullfit', trainIdx: number[], valIdx: number[],
): Promise<{ result: FoldResult; pred: { data: Float32Array; shape: number[] } }> {
  const dir = join(modelDir(options.outDir, task.name), foldDirName(fold));
  const done = readFinishedFold(dir, fp, options.onConfigChange ?? 'error');
  if (done) {
    emit({ type: 'fold-skipped', fold, result: done, reason: 'finished with the same configuration' });
    return { result: done, pred: readFoldPredictions(dir, task.outputKind) };
  }
  if (!trainIdx.length) throw new UsageError(`fold ${fold}: no training rows`);
  const t0 = Date.now();
  const seed = (config.seed ?? 42) + (fold === 'fullfit' ? 0 : fold);
  const rng = new Rng(seed);
  const model = task.buildModel({ fold, rng: rng.fork(1) });
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = makeOptimizer(config.optimizer, vars);
  const stepsPerEpoch = Math.max(1, Math.floor(trainIdx.length / config.batchSize));
  const steps = config.epochs * stepsPerEpoch;
  const evalBatch = config.evalBatchSize ?? config.batchSize;
  emit({ type: 'fold-start', fold, nTrain: trainIdx.length, nVal: valIdx.length, steps, params: model.countParams() });

  const curve: CurvePoint[] = [];
  let lossSum = 0;
  let lossN = 0;
  let step = 0;
  let last = { data: new Float32Array(0), shape: [0], loss: NaN };
  let lastPoint: CurvePoint | undefined;
  const shuffleRng = rng.fork(2);
  const batchRng = rng.fork(3);
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      // Shuffle, then drop the last incomplete batch (reference); a set smaller than one batch is one batch.
      const order = shuffleRng.shuffle(trainIdx);
      for (let b = 0; b < stepsPerEpoch; b++) {
        const idx = order.slice(b * config.batchSize, (b + 1) * config.batchSize);
        const lr = config.optimizer.lr * lrFactor(step, steps, config.schedule);
        // Yield to the event loop once per step: in a notebook kernel, display messages (progress,
        // live curves) go through zeromq, which throws EBUSY after 512 sends without a loop turn.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = await task.data.batch(idx, 'train', batchRng);
        let loss: number;
        try {
          loss = trainStep(task, model, vars, optimizer, batch, lr, config.gradClip);
        } finally {
          disposeBatch(batch);
        }
        if (!Number.isFinite(loss)) throw new SpinelabError(`${task.name} fold ${fold}: training loss is ${loss} at step ${step + 1}`);
        step += 1;
        lossSum += loss;
        lossN += 1;
        emit({ type: 'step', fold, step, steps, lr, loss });
        options.onProgress?.({ label: `${task.name} ${foldDirName(fold)}`, done: step, total: steps, detail: `loss=${loss.toFixed(4)}` });
        if (shouldEvaluate(step, steps, config.evalEvery)) {
          last = await predictRows(task, model, valIdx, evalBatch);
          const m = valIdx.length && task.metric ? task.metric(last.data, last.shape, valIdx) : undefined;
          lastPoint = { fold, step, epoch: step / stepsPerEpoch, lr, trainLoss: lossSum / lossN, valLoss: last.loss, metric: m?.value, parts: m?.parts };
          lossSum = 0;
          lossN = 0;
          curve.push(lastPoint);
          emit({ type: 'eval', point: lastPoint });
        }
      }
    }
    const result: FoldResult = {
      fold, nTrain: trainIdx.length, nVal: valIdx.length, steps, valLoss: last.loss,
      metric: lastPoint?.metric, parts: lastPoint?.parts, curve, seconds: (Date.now() - t0) / 1000,
    };
    await saveModel(model, dir, { model: task.name, fold, seed, kind: task.outputKind, config, ...task.meta });
    const rows: Row[] = valIdx.map((i) => ({ ...task.data.rows[i], fold: task.data.folds[i] }));
    writeFoldPredictions(dir, task.outputKind, last.data, last.shape, rows, task.data.rowColumns);
    writeFoldResult(dir, fp, result);
    emit({ type: 'fold-end', fold, result });
    return { result, pred: { data: last.data, shape: last.shape } };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
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
