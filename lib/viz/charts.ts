import { UsageError } from '../core/errors.js';
import { CONDITION_SHORT, CONDITIONS, N_CLASSES, N_LEVELS, N_TARGETS, SEVERITIES, targetLabel } from '../data/vocabulary.js';
import { classColor, seriesColor } from './palette.js';
import type { Figure, FigureOptions, Series, Trace } from './types.js';

export interface AxisOptions extends FigureOptions {
  xTitle?: string;
  yTitle?: string;
  /** Unit appended to the x title, e.g. "px" or "mm". */
  unit?: string;
}

/**
 * Histogram of one or more series overlaid (e.g. coordinate errors per condition, in px or mm).
 * Bins are shared so overlaid series compare bin by bin.
 */
export function histogram(series: Series | Series[], opts: AxisOptions & { bins?: number; normalize?: boolean } = {}): Figure {
  const list = Array.isArray(series) ? series : [series];
  if (!list.length) throw new UsageError('histogram: no series');
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of list) for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  const bins = opts.bins ?? 30;
  const size = hi > lo ? (hi - lo) / bins : 1;
  const data: Trace[] = list.map((s, i) => ({
    type: 'histogram',
    x: Array.from(s.values).filter(Number.isFinite),
    name: s.name,
    opacity: list.length > 1 ? 0.6 : 1,
    marker: { color: s.color ?? seriesColor(i) },
    xbins: Number.isFinite(lo) ? { start: lo, end: hi + size * 1e-6, size } : undefined,
    histnorm: opts.normalize ? 'probability' : undefined,
  }));
  const xTitle = (opts.xTitle ?? 'value') + (opts.unit ? ` (${opts.unit})` : '');
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Histogram' },
      width: opts.width, height: opts.height ?? 380,
      barmode: 'overlay',
      xaxis: { title: { text: xTitle } },
      yaxis: { title: { text: opts.yTitle ?? (opts.normalize ? 'share' : 'count') } },
      meta: { kind: 'histogram', series: list.length },
    },
  };
}

/** Grouped (or stacked) bars: one bar per category per series. */
export function barChart(categories: readonly string[], series: Series | Series[], opts: AxisOptions & { stacked?: boolean; horizontal?: boolean } = {}): Figure {
  const list = Array.isArray(series) ? series : [series];
  for (const s of list) {
    if (s.values.length !== categories.length) throw new UsageError(`barChart: series "${s.name}" has ${s.values.length} values for ${categories.length} categories`);
  }
  const data: Trace[] = list.map((s, i) => {
    const values = Array.from(s.values);
    return {
      type: 'bar',
      ...(opts.horizontal ? { y: [...categories], x: values, orientation: 'h' } : { x: [...categories], y: values }),
      name: s.name,
      marker: { color: s.color ?? seriesColor(i) },
      text: values.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(3))),
      textposition: 'auto',
    };
  });
  const xTitle = (opts.xTitle ?? '') + (opts.unit ? ` (${opts.unit})` : '');
  return {
    data,
    layout: {
      title: { text: opts.title ?? '' },
      width: opts.width, height: opts.height ?? 400,
      barmode: opts.stacked ? 'stack' : 'group',
      xaxis: { title: { text: opts.horizontal ? opts.yTitle ?? '' : xTitle } },
      yaxis: { title: { text: opts.horizontal ? xTitle : opts.yTitle ?? '' }, automargin: true },
      showlegend: list.length > 1,
      meta: { kind: 'barChart', series: list.length },
    },
  };
}

/** "SCS L1/L2" … "R-SS L5/S1": the 25 targets as the figures and tables label them. */
export const TARGET_LABELS: readonly string[] = Array.from({ length: N_TARGETS }, (_, j) => targetLabel(j));

/**
 * One study's probabilities (25 targets × 3 classes, C order) as stacked bars, one per condition
 * and level, coloured by severity: the Inference notebook's figure and the web page's.
 */
export function predictionBars(probs: ArrayLike<number>, opts: AxisOptions = {}): Figure {
  if (probs.length !== N_TARGETS * N_CLASSES) throw new UsageError(`predictionBars: expected ${N_TARGETS * N_CLASSES} probabilities, got ${probs.length}`);
  const series = SEVERITIES.map((name, k) => ({ name, values: TARGET_LABELS.map((_, j) => probs[j * N_CLASSES + k]), color: classColor(k) }));
  return barChart(TARGET_LABELS, series, { stacked: true, xTitle: 'condition, level', yTitle: 'probability', height: 420, ...opts });
}

/**
 * Severity counts per condition (summed over the 5 levels) from per-study labels
 * (25 values, condition-major, -1 = missing), one colour per severity.
 */
export function classDistribution(labels: Iterable<ArrayLike<number>>, opts: AxisOptions = {}): Figure {
  const counts = SEVERITIES.map(() => new Array<number>(CONDITIONS.length).fill(0));
  const missing = new Array<number>(CONDITIONS.length).fill(0);
  let studies = 0;
  for (const row of labels) {
    if (row.length !== CONDITIONS.length * N_LEVELS) throw new UsageError(`classDistribution: a label row has ${row.length} values, expected 25`);
    studies++;
    for (let c = 0; c < CONDITIONS.length; c++) for (let l = 0; l < N_LEVELS; l++) {
      const s = row[c * N_LEVELS + l];
      if (s >= 0 && s < SEVERITIES.length) counts[s][c]++;
      else missing[c]++;
    }
  }
  const fig = barChart(CONDITION_SHORT, SEVERITIES.map((name, s) => ({ name, values: counts[s], color: classColor(s) })), {
    title: opts.title ?? `Severity per condition (${studies} studies × 5 levels; missing: ${missing.join('/')})`,
    xTitle: opts.xTitle ?? 'condition',
    yTitle: opts.yTitle ?? 'labelled levels',
    width: opts.width, height: opts.height,
  });
  fig.layout.showlegend = true;
  fig.layout.meta = { kind: 'classDistribution', studies, missing };
  return fig;
}
