import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OnProgress } from '../core/progress.js';
import { MANIFEST, modelDir } from '../train/artefacts.js';
import type { TrainEvent, TrainManifest } from '../train/types.js';
import { kernelWriter } from './kernel.js';
import { liveLearningCurves, savedCurvePoints, type LiveCurves } from './live.js';
import { notebookProgress } from './progress.js';

/** One model's figure in {@link liveTraining}. */
export interface LiveModel {
  /** The model's name, as the trainer reports it (its folder under `{out}/models/`). */
  name: string;
  title: string;
  /** Series name of the validation metric, e.g. "val_auc". */
  metricKey: string;
  metricTitle?: string;
}

export interface LiveTrainingOptions {
  /** Artefact root: where the saved curves of resumed models are read from. */
  outDir: string;
  /** Label of the progress bar. */
  progress: string;
  /**
   * Draw the training loss as the mean of every `stepEvery` steps (a denser curve) instead of the
   * mean since the previous evaluation.
   */
  stepEvery?: number;
  /** Minimum time between redraws of a figure (default 2 s). */
  intervalMs?: number;
}

export interface LiveTraining {
  /** Pass as the trainer's onEvent: every model's events, from whichever worker trains the fold. */
  onEvent: (e: TrainEvent, model: string) => void;
  /** Pass as the trainer's onProgress: one bar for all running folds. */
  onProgress: OnProgress;
  /** Final drawing of every figure; a model whose folds were all resumed shows the curves saved with it. */
  flush(): void;
  readonly curves: ReadonlyMap<string, LiveCurves>;
}

/**
 * Live learning curves (one figure per model, one trace colour per fold) and one progress bar
 * for a training cell, whatever the number of workers: events of folds running at the same time
 * in different workers go to their model's figure as they arrive. In a kernel the figures are
 * shown at once, in model order, and redrawn in place; elsewhere `flush()` prints their text form.
 */
export function liveTraining(models: readonly LiveModel[], opts: LiveTrainingOptions): LiveTraining {
  const curves = new Map<string, LiveCurves>();
  for (const m of models) {
    const c = liveLearningCurves({ title: m.title, metricTitle: m.metricTitle, intervalMs: opts.intervalMs });
    if (kernelWriter()) c.flush(); // an empty figure now, so the figures keep the model order
    curves.set(m.name, c);
  }
  const keyOf = new Map(models.map((m) => [m.name, m.metricKey]));
  const recent = new Map<string, number[]>();
  const every = opts.stepEvery ?? 0;
  return {
    curves,
    onProgress: notebookProgress(opts.progress),
    onEvent(e, model) {
      const c = curves.get(model);
      if (!c) return;
      if (e.type === 'step' && every > 0) {
        const key = `${model}/${e.fold}`;
        const losses = recent.get(key) ?? [];
        losses.push(e.loss);
        recent.set(key, losses);
        if (e.step % every === 0 || e.step === e.steps) {
          c.add({ fold: e.fold, step: e.step, train_loss: losses.reduce((a, b) => a + b, 0) / losses.length });
          recent.delete(key);
        }
      } else if (e.type === 'eval') {
        const p = e.point;
        c.add({ fold: p.fold, step: p.step, ...(every > 0 ? {} : { train_loss: p.trainLoss }), val_loss: p.valLoss, [keyOf.get(model)!]: p.metric });
      } else if (e.type === 'fold-skipped') console.log(`${model} fold ${e.fold}: already trained, skipped`);
    },
    flush() {
      for (const [name, c] of curves) c.flush(() => savedCurves(opts.outDir, name, keyOf.get(name)!));
    },
  };
}

/** The learning curves saved in a model's manifest (every fold finished), or none. */
function savedCurves(outDir: string, name: string, metricKey: string) {
  const file = join(modelDir(outDir, name), MANIFEST);
  if (!existsSync(file)) return [];
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as TrainManifest;
  return savedCurvePoints(manifest.foldResults.flatMap((f) => f.curve), metricKey);
}
