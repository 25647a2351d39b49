import { learningCurves, type CurvePoint, type LearningCurveOptions } from '../viz/curves.js';
import type { Figure } from '../viz/types.js';
import { figureText, liveFigure, type LiveFigure } from './display.js';
import { kernelWriter } from './kernel.js';

/** Learning curves that redraw in place while training; the last drawing stays in the notebook. */
export interface LiveCurves {
  /** Add one evaluation (redraws at most every `intervalMs`). */
  add(point: CurvePoint): void;
  /** Redraw now with every point (call at the end so the kept figure is complete). */
  flush(): void;
  /** The current figure (for saving or showing elsewhere). */
  figure(): Figure;
  readonly points: readonly CurvePoint[];
}

/**
 * Live learning curves: in a kernel one figure updated in place (throttled, default every 2 s);
 * outside a kernel nothing is drawn until `flush()`, which prints the text summary.
 */
export function liveLearningCurves(opts: LearningCurveOptions & { intervalMs?: number } = {}): LiveCurves {
  const points: CurvePoint[] = [];
  const interval = opts.intervalMs ?? 2000;
  let live: LiveFigure | null = null;
  let last = -Infinity;
  let dirty = false;
  const figure = () => learningCurves(points, opts);
  const draw = () => {
    dirty = false;
    last = Date.now();
    if (!live) live = liveFigure(figure());
    else live.update(figure());
  };
  return {
    points,
    figure,
    add(p) {
      points.push(p);
      dirty = true;
      if (kernelWriter() && Date.now() - last >= interval) draw();
    },
    flush() {
      if (kernelWriter()) {
        if (dirty || !live) draw();
      } else if (points.length) console.log(figureText(figure()));
    },
  };
}
