import type { NdArray } from '../core/npy.js';
import { UsageError } from '../core/errors.js';
import { LEVELS, SEVERITIES } from '../data/vocabulary.js';
import { cellTitles, gridCells } from './grid.js';
import { fromInterleaved, type Image } from '../image/index.js';
import { fitFactor, imageToDataUri, percentileWindow, windowBounds, type Window } from './image.js';
import type { Figure, FigureOptions, Layout, Trace } from './types.js';

/** One image of a grid: rows × cols (grey) or rows × cols × 3 (three slices as RGB channels). */
export interface CropPanel {
  image: NdArray;
  title: string;
  /** Default: 0.5–99.5 percentiles of this panel. */
  window?: Window;
}

export interface CropGridOptions extends FigureOptions {
  columns?: number;
  /** Longest side of each embedded image in pixels. Default 128. */
  maxSize?: number;
}

function asImage(a: NdArray, what: string): Image<ArrayLike<number>> {
  if (a.shape.length === 2) return { data: a.data, height: a.shape[0], width: a.shape[1], channels: 1 };
  if (a.shape.length === 3 && a.shape[2] === 3) return fromInterleaved(a.data, { height: a.shape[0], width: a.shape[1] }, 3);
  if (a.shape.length === 3 && a.shape[2] === 1) return { data: a.data, height: a.shape[0], width: a.shape[1], channels: 1 };
  throw new UsageError(`${what}: expected rows × cols or rows × cols × 3, got shape [${a.shape}]`);
}

/** A grid of small images (crops, frames) with a title each; pixel axes hidden. */
export function cropGrid(panels: CropPanel[], opts: CropGridOptions = {}): Figure {
  if (!panels.length) throw new UsageError('cropGrid: no panels');
  const columns = Math.min(opts.columns ?? 5, panels.length);
  const rows = Math.ceil(panels.length / columns);
  const images = panels.map((p) => asImage(p.image, `cropGrid panel "${p.title}"`));
  // Size the figure from the images' aspect so titles sit right above them.
  const width = opts.width ?? Math.min(1000, 180 * columns + 20);
  const gapX = 0.02;
  const cellW = ((width - 20) * (1 - gapX * (columns - 1))) / columns;
  const aspect = Math.max(...images.map((im) => im.height / im.width));
  const titlePx = 28;
  const plotH = rows * (cellW * aspect + titlePx);
  const cells = gridCells(panels.length, columns, { x: gapX, y: titlePx / plotH });
  const data: Trace[] = [];
  const layout: Layout = {};
  panels.forEach((p, i) => {
    const img = images[i];
    const win = p.window ? windowBounds(p.window) : percentileWindow(img.data);
    const factor = fitFactor(img.width, img.height, opts.maxSize ?? 128);
    const cell = cells[i];
    data.push({
      type: 'image',
      source: imageToDataUri(img, win, factor),
      x0: (factor - 1) / 2, y0: (factor - 1) / 2, dx: factor, dy: factor,
      xaxis: cell.xref, yaxis: cell.yref, name: p.title,
      hovertemplate: `${p.title}<br>x %{x:.0f} px, y %{y:.0f} px<br>value %{color[0]}${img.channels === 3 ? ' / %{color[1]} / %{color[2]}' : ''} (0–255)<extra></extra>`,
    });
    layout[cell.xkey] = { domain: cell.xDomain, range: [-0.5, img.width - 0.5], visible: false, anchor: cell.yref, constrain: 'domain' };
    layout[cell.ykey] = { domain: cell.yDomain, range: [img.height - 0.5, -0.5], visible: false, anchor: cell.xref, scaleanchor: cell.xref, constrain: 'domain' };
  });
  return {
    data,
    layout: {
      ...layout,
      title: { text: opts.title ?? 'Crops' },
      width,
      height: opts.height ?? Math.round(plotH + 70),
      margin: { l: 10, r: 10, t: 60, b: 10 },
      annotations: cellTitles(cells, panels.map((p) => p.title)),
      meta: { kind: 'cropGrid', panels: panels.length },
    },
  };
}

/**
 * Panels for the 5 level crops of one series (index = level), titles "L1/L2 — Moderate" when
 * severities (0/1/2, -1 missing) are given.
 */
export function levelCropPanels(crops: NdArray[], severities?: ArrayLike<number>): CropPanel[] {
  if (crops.length !== LEVELS.length) throw new UsageError(`levelCropPanels: expected ${LEVELS.length} crops, got ${crops.length}`);
  return crops.map((image, l) => ({
    image,
    title: severities ? `${LEVELS[l]} — ${severityName(severities[l])}` : LEVELS[l],
  }));
}

/**
 * Panels for the frames of one training sample, frames × rows × cols × 3 (three adjacent slices
 * as channels), each titled "frame i" and the given labels (pass them after any flip is applied,
 * so a left/right swap shows in the titles).
 */
export function framePanels(sample: NdArray, labels: string[] = []): CropPanel[] {
  if (sample.shape.length !== 4) throw new UsageError(`framePanels: expected frames × rows × cols × channels, got [${sample.shape}]`);
  const [frames, h, w, c] = sample.shape;
  if (c !== 3 && c !== 1) throw new UsageError(`framePanels: expected 1 or 3 channels, got ${c}`);
  const size = h * w * c;
  return Array.from({ length: frames }, (_, f) => ({
    image: { data: sample.data.subarray(f * size, (f + 1) * size), shape: c === 3 ? [h, w, 3] : [h, w], dtype: sample.dtype },
    title: [`frame ${f}`, labels[f]].filter(Boolean).join(' — '),
  }));
}

function severityName(s: number): string {
  return s >= 0 && s < SEVERITIES.length ? SEVERITIES[s] : 'no label';
}
