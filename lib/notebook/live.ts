import type { CurvePoint as TrainCurvePoint } from '../train/types.js';
import { learningCurves, type CurvePoint, type LearningCurveOptions } from '../viz/curves.js';
import type { Figure } from '../viz/types.js';
import { coalesce } from './coalesce.js';
import { figureText, liveFigure, type LiveFigure } from './display.js';
import { kernelWriter } from './kernel.js';

/** Learning curves that redraw in place while training; the last drawing stays in the notebook. */
export interface LiveCurves {
  /** Add one evaluation (redraws at most every `intervalMs`). */
  add(point: CurvePoint): void;
  /**
   * Redraw now with every point (call at the end so the kept figure is complete). When no point
   * came in (every fold was already trained and resumed from disk), draw `saved()` instead, the
   * curves stored with the folds, rather than leaving an empty figure.
   */
  flush(saved?: () => readonly CurvePoint[]): void;
  /** The current figure (for saving or showing elsewhere). */
  figure(): Figure;
  readonly points: readonly CurvePoint[];
}

/**
 * Live learning curves: in a kernel one figure updated in place (coalesced: at most one redraw per
 * `intervalMs`, default 2 s, the latest points drawn at the next tick even when no point follows);
 * outside a kernel nothing is drawn until `flush()`, which prints the text summary.
 */
export function liveLearningCurves(options: LearningCurveOptions & { intervalMs?: number; now?: () => number } = {}): LiveCurves {
  const { intervalMs = 2000, now, ...curveOptions } = options;
  let opts: LearningCurveOptions = curveOptions;
  const points: CurvePoint[] = [];
  let live: LiveFigure | null = null;
  let dirty = false;
  const figure = () => learningCurves(points, opts);
  const redraws = coalesce(() => {
    dirty = false;
    if (!live) live = liveFigure(figure());
    else live.update(figure());
  }, intervalMs, now);
  return {
    points,
    figure,
    add(p) {
      points.push(p);
      dirty = true;
      if (kernelWriter()) redraws.offer(undefined);
    },
    flush(saved) {
      if (!points.length && saved) {
        const old = saved();
        if (old.length) {
          points.push(...old);
          opts = { ...opts, title: `${opts.title ?? 'Learning curves'} (saved with the models)` };
          dirty = true;
        }
      }
      if (kernelWriter()) {
        if (dirty || !live) redraws.offer(undefined, true);
      } else if (points.length) console.log(figureText(figure()));
    },
  };
}

/**
 * The evaluations saved with trained folds (`FoldResult.curve`) as learning-curve points:
 * `train_loss`, `val_loss` and the metric under `metricKey` (e.g. "val_auc").
 */
export function savedCurvePoints(curve: readonly TrainCurvePoint[], metricKey: string): CurvePoint[] {
  return curve.map((p) => ({ fold: p.fold, step: p.step, train_loss: p.trainLoss, val_loss: p.valLoss, [metricKey]: p.metric }));
}
