import { CONDITIONS, SEVERITIES } from '../data/vocabulary.js';

/**
 * One colour per condition, per severity class and per fold, used by every figure so a condition
 * or class looks the same in a confusion matrix, a calibration curve and a bar chart.
 */
export const CONDITION_COLORS: readonly string[] = ['#1f77b4', '#2ca02c', '#17becf', '#9467bd', '#e377c2'];
/** Normal/Mild, Moderate, Severe: green → amber → red. */
export const CLASS_COLORS: readonly string[] = ['#4daf4a', '#ff9f1c', '#d62728'];
/** Folds (and other unordered series): a qualitative scale. */
export const SERIES_COLORS: readonly string[] = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
/**
 * Points and boxes drawn on MRI slices, bright enough to read on grey: the ground truth (neon
 * green), the model's prediction (red), and the frame of an external (SPIDER) image (magenta).
 */
export const TRUTH_COLOR = '#39ff14';
export const PREDICTION_COLOR = '#ff3131';
export const EXTERNAL_COLOR = '#ff00ff';
/** Greyscale for MRI slices (plotly's 'Greys' is inverted: give the scale explicitly). */
export const GREY_SCALE: [number, string][] = [[0, '#000000'], [1, '#ffffff']];
/** Sequential scale for counts and losses (white → dark blue). */
export const SEQUENTIAL_SCALE: [number, string][] = [[0, '#f7fbff'], [0.5, '#6baed6'], [1, '#08306b']];

if (CONDITION_COLORS.length !== CONDITIONS.length || CLASS_COLORS.length !== SEVERITIES.length) {
  throw new Error('palette: one colour per condition and per class is required');
}

export function conditionColor(condition: number): string {
  return CONDITION_COLORS[condition % CONDITION_COLORS.length];
}

export function classColor(severity: number): string {
  return CLASS_COLORS[severity % CLASS_COLORS.length];
}

export function seriesColor(i: number): string {
  return SERIES_COLORS[((i % SERIES_COLORS.length) + SERIES_COLORS.length) % SERIES_COLORS.length];
}

/** `#rrggbb` → `rgba(r,g,b,a)` for bands and fills. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
