import { UsageError } from '../core/errors.js';
import { seriesColor } from './palette.js';
import type { Figure, FigureOptions, Trace } from './types.js';

/**
 * One evaluation of a training run: step plus any number of named values, e.g.
 * `{fold: 0, step: 200, train_loss: 0.61, val_loss: 0.58, val_score: 0.49}`. Names containing
 * "loss" go to the loss panel, the others to the metric panel; names starting with "val" are
 * drawn dashed, the rest solid; one colour per fold.
 */
export interface CurvePoint {
  fold?: number | string;
  step: number;
  [series: string]: number | string | undefined;
}

export interface LearningCurveOptions extends FigureOptions {
  /** x axis title. Default "training step". */
  xTitle?: string;
  /** Loss panel y title. Default "loss". */
  lossTitle?: string;
  /** Metric panel y title. Default "metric". */
  metricTitle?: string;
  /** y axis type of the loss panel. Default linear. */
  lossScale?: 'linear' | 'log';
}

/** Train/val loss and metrics against step, per fold (two panels when there are metrics). */
export function learningCurves(points: CurvePoint[], opts: LearningCurveOptions = {}): Figure {
  const folds: (string | number)[] = [];
  const names: string[] = [];
  for (const p of points) {
    if (!Number.isFinite(p.step)) throw new UsageError(`learningCurves: point without a numeric step: ${JSON.stringify(p)}`);
    const f = p.fold ?? 'all';
    if (!folds.includes(f)) folds.push(f);
    for (const [k, v] of Object.entries(p)) if (k !== 'fold' && k !== 'step' && typeof v === 'number' && !names.includes(k)) names.push(k);
  }
  const isLoss = (n: string) => /loss/i.test(n);
  const hasMetric = names.some((n) => !isLoss(n));
  const data: Trace[] = [];
  folds.forEach((fold, fi) => {
    const own = points.filter((p) => (p.fold ?? 'all') === fold).sort((a, b) => a.step - b.step);
    for (const name of names) {
      const pts = own.filter((p) => typeof p[name] === 'number' && Number.isFinite(p[name] as number));
      if (!pts.length) continue;
      data.push({
        type: 'scatter',
        mode: pts.length > 1 ? 'lines' : 'markers',
        x: pts.map((p) => p.step),
        y: pts.map((p) => p[name] as number),
        name: folds.length > 1 ? `fold ${fold} ${name}` : name,
        legendgroup: `fold ${fold}`,
        line: { color: seriesColor(fi), dash: /^val/i.test(name) ? 'dash' : 'solid', width: 2 },
        marker: { color: seriesColor(fi) },
        xaxis: 'x',
        yaxis: isLoss(name) || !hasMetric ? 'y' : 'y2',
        hovertemplate: `fold ${fold} · ${name}<br>step %{x}<br>%{y:.4f}<extra></extra>`,
      });
    }
  });
  const xTitle = opts.xTitle ?? 'training step';
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Learning curves' },
      width: opts.width,
      height: opts.height ?? (hasMetric ? 560 : 380),
      xaxis: { title: { text: xTitle }, anchor: hasMetric ? 'y2' : 'y' },
      yaxis: { title: { text: opts.lossTitle ?? 'loss' }, domain: hasMetric ? [0.55, 1] : [0, 1], type: opts.lossScale ?? 'linear' },
      ...(hasMetric ? { yaxis2: { title: { text: opts.metricTitle ?? 'metric' }, domain: [0, 0.45] } } : {}),
      legend: { orientation: 'v' },
      meta: { kind: 'learningCurves', folds: folds.map(String), series: names },
    },
  };
}
