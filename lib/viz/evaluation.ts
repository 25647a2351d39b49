import { UsageError } from '../core/errors.js';
import { CONDITION_SHORT, CONDITIONS, LEVELS, SEVERITIES } from '../data/vocabulary.js';
import { cellTitles, gridCells } from './grid.js';
import { classColor, conditionColor, SEQUENTIAL_SCALE } from './palette.js';
import type { Figure, FigureOptions, Layout, Trace } from './types.js';

/**
 * counts[true][pred] over the rows whose truth is in 0..n-1 (missing labels, -1, are skipped).
 * `weights` (per row) give a weighted matrix, e.g. the metric's 1/2/4 class weights.
 */
export function confusionMatrix(truth: ArrayLike<number>, pred: ArrayLike<number>, nClasses = 3, weights?: ArrayLike<number>): number[][] {
  if (truth.length !== pred.length) throw new UsageError(`confusionMatrix: ${truth.length} labels but ${pred.length} predictions`);
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = pred[i];
    if (!(t >= 0 && t < nClasses)) continue;
    if (!(p >= 0 && p < nClasses)) throw new UsageError(`confusionMatrix: prediction ${p} at row ${i} is not a class index`);
    m[t][p] += weights ? weights[i] : 1;
  }
  return m;
}

/** Index of the largest of each row of `probs` (rows × nClasses, flat). */
export function argmaxRows(probs: ArrayLike<number>, nClasses = 3): Int32Array {
  const out = new Int32Array(probs.length / nClasses);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < nClasses; c++) if (probs[r * nClasses + c] > probs[r * nClasses + best]) best = c;
    out[r] = best;
  }
  return out;
}

export interface ConfusionMatrixOptions extends FigureOptions {
  /** Class names, default the three severities. */
  classes?: readonly string[];
  /** Colour by row-normalised share (recall) rather than count. Default true. */
  normalize?: boolean;
  columns?: number;
}

/** One heatmap per item (e.g. per condition): rows = truth, columns = prediction, counts written in. */
export function confusionMatrices(items: { title: string; matrix: number[][] }[], opts: ConfusionMatrixOptions = {}): Figure {
  if (!items.length) throw new UsageError('confusionMatrices: nothing to plot');
  const classes = [...(opts.classes ?? SEVERITIES)];
  const normalize = opts.normalize ?? true;
  const cols = Math.min(opts.columns ?? 5, items.length);
  const cells = gridCells(items.length, cols, { x: 0.03, y: 0.2 });
  const data: Trace[] = [];
  const layout: Layout = {};
  items.forEach((it, i) => {
    if (it.matrix.length !== classes.length || it.matrix.some((r) => r.length !== classes.length)) {
      throw new UsageError(`confusionMatrices: "${it.title}" is not ${classes.length}×${classes.length}`);
    }
    const share = it.matrix.map((row) => {
      const s = row.reduce((a, b) => a + b, 0);
      return row.map((v) => (s > 0 ? v / s : 0));
    });
    const c = cells[i];
    data.push({
      type: 'heatmap',
      z: normalize ? share : it.matrix,
      x: classes, y: classes,
      text: it.matrix.map((row, r) => row.map((v, k) => `${round(v)}${normalize ? `<br>${Math.round(share[r][k] * 100)}%` : ''}`)),
      texttemplate: '%{text}',
      colorscale: SEQUENTIAL_SCALE,
      zmin: 0, zmax: normalize ? 1 : undefined,
      showscale: i === 0,
      colorbar: i === 0 ? { title: { text: normalize ? 'share of true class' : 'count' }, len: 0.6 } : undefined,
      xaxis: c.xref, yaxis: c.yref, name: it.title,
      hovertemplate: `${it.title}<br>true %{y}<br>predicted %{x}<br>count %{text}<extra></extra>`,
    });
    const first = i % cols === 0;
    layout[c.xkey] = { domain: c.xDomain, anchor: c.yref, title: { text: 'predicted' }, tickangle: -30 };
    layout[c.ykey] = { domain: c.yDomain, anchor: c.xref, autorange: 'reversed', showticklabels: first, title: first ? { text: 'true' } : undefined };
  });
  return {
    data,
    layout: {
      ...layout,
      title: { text: opts.title ?? 'Confusion matrices' },
      width: opts.width ?? Math.min(1040, 190 * cols + 130),
      height: opts.height ?? Math.ceil(items.length / cols) * 280 + 60,
      margin: { l: 90, r: 20, t: 70, b: 80 },
      annotations: cellTitles(cells, items.map((it) => it.title)),
      meta: { kind: 'confusionMatrices', panels: items.length },
    },
  };
}

/**
 * A condition × level heatmap of a loss (or any score), e.g. the weighted log loss of each of the
 * 25 targets. `values` is condition-major (TARGETS order, length 25) or a 5 × 5 array.
 */
export function lossHeatmap(values: ArrayLike<number> | number[][], opts: FigureOptions & { valueTitle?: string } = {}): Figure {
  const grid: number[][] = Array.isArray(values) && Array.isArray(values[0])
    ? (values as number[][])
    : CONDITIONS.map((_, c) => LEVELS.map((_, l) => (values as ArrayLike<number>)[c * LEVELS.length + l]));
  if (grid.length !== CONDITIONS.length || grid.some((r) => r.length !== LEVELS.length)) {
    throw new UsageError(`lossHeatmap: expected ${CONDITIONS.length} conditions × ${LEVELS.length} levels`);
  }
  const valueTitle = opts.valueTitle ?? 'weighted log loss';
  return {
    data: [{
      type: 'heatmap',
      z: grid,
      x: [...LEVELS],
      y: [...CONDITION_SHORT],
      text: grid.map((r) => r.map((v) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a'))),
      texttemplate: '%{text}',
      colorscale: SEQUENTIAL_SCALE,
      colorbar: { title: { text: valueTitle } },
      hovertemplate: '%{y} %{x}<br>' + valueTitle + ' %{text}<extra></extra>',
    }],
    layout: {
      title: { text: opts.title ?? `${valueTitle} per condition and level` },
      width: opts.width ?? 620,
      height: opts.height ?? 420,
      xaxis: { title: { text: 'level' } },
      yaxis: { title: { text: 'condition' }, autorange: 'reversed' },
      meta: { kind: 'lossHeatmap' },
    },
  };
}

/** Reliability bins: mean predicted probability, observed frequency and count per bin. */
export function reliabilityBins(probs: ArrayLike<number>, outcomes: ArrayLike<number>, bins = 10): { meanProb: number[]; freq: number[]; count: number[] } {
  if (probs.length !== outcomes.length) throw new UsageError(`reliabilityBins: ${probs.length} probabilities but ${outcomes.length} outcomes`);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const n = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (!Number.isFinite(p) || outcomes[i] < 0) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    sumP[b] += p;
    sumY[b] += outcomes[i];
    n[b]++;
  }
  const meanProb: number[] = [];
  const freq: number[] = [];
  const count: number[] = [];
  for (let b = 0; b < bins; b++) {
    if (!n[b]) continue;
    meanProb.push(sumP[b] / n[b]);
    freq.push(sumY[b] / n[b]);
    count.push(n[b]);
  }
  return { meanProb, freq, count };
}

export interface CalibrationItem {
  name: string;
  /** Predicted probability of the event per row. */
  probs: ArrayLike<number>;
  /** 1 if the event happened, 0 if not, negative = missing (skipped). */
  outcomes: ArrayLike<number>;
  color?: string;
  /** Severity (0..2) or condition (0..4) index for the default colour. */
  classIndex?: number;
  conditionIndex?: number;
}

/** Reliability diagram: observed frequency against mean predicted probability, with the diagonal. */
export function calibrationCurves(items: CalibrationItem[], opts: FigureOptions & { bins?: number } = {}): Figure {
  const data: Trace[] = [{
    type: 'scatter', mode: 'lines', x: [0, 1], y: [0, 1], name: 'perfectly calibrated',
    line: { color: '#999999', dash: 'dot', width: 1 }, hoverinfo: 'skip',
  }];
  items.forEach((it) => {
    const r = reliabilityBins(it.probs, it.outcomes, opts.bins ?? 10);
    const color = it.color ?? (it.classIndex !== undefined ? classColor(it.classIndex) : it.conditionIndex !== undefined ? conditionColor(it.conditionIndex) : undefined);
    data.push({
      type: 'scatter', mode: 'lines+markers', x: r.meanProb, y: r.freq, customdata: r.count, name: it.name,
      line: { color, width: 2 }, marker: { color, size: 7 },
      hovertemplate: `${it.name}<br>mean predicted %{x:.3f}<br>observed %{y:.3f}<br>n = %{customdata}<extra></extra>`,
    });
  });
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Calibration (reliability) curves' },
      width: opts.width ?? 560, height: opts.height ?? 480,
      xaxis: { title: { text: 'mean predicted probability' }, range: [0, 1] },
      yaxis: { title: { text: 'observed frequency' }, range: [0, 1], scaleanchor: 'x' },
      meta: { kind: 'calibrationCurves', curves: items.length },
    },
  };
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
