/**
 * Keypoint figures of the coordinates stage (plotly specs, no side effects): a grid of images
 * with disc-centre sets (truth, prediction, augmented) and optional boxes.
 */
import { LEVELS } from '../data/vocabulary.js';
import type { Image } from '../image/index.js';
import { cellTitles, gridCells } from './grid.js';
import { fitFactor, imageToDataUri } from './image.js';
import type { Figure, FigureOptions, Layout, Trace } from './types.js';

/** One set of 5 relative points drawn on a panel. */
export interface KeypointSet {
  /** [u, v] × 5 relative to the image, NaN = missing. */
  kps: ArrayLike<number>;
  /** Legend name, e.g. "truth" / "prediction". */
  name: string;
  color: string;
  /** plotly marker symbol; default 'x'. */
  symbol?: string;
}

export interface KeypointPanel {
  /** 8-bit image at native size, or a [0, 1] float image (e.g. a model input). */
  image: Image<Uint8Array> | Image<Float32Array>;
  title: string;
  sets: KeypointSet[];
  /** Boxes in pixels of the image ([x0, x1) × [y0, y1)). */
  boxes?: Array<{ x0: number; y0: number; x1: number; y1: number }>;
  /** Frame the panel in this colour (e.g. external images). */
  frame?: string;
}

export interface KeypointGridOptions extends FigureOptions {
  columns?: number;
  /** Longest side of each embedded image in pixels. Default 160. */
  maxSize?: number;
}

/** A grid of images with their disc centres (level names on hover) and boxes. */
export function keypointGrid(panels: readonly KeypointPanel[], opts: KeypointGridOptions = {}): Figure {
  const columns = opts.columns ?? Math.min(6, Math.max(1, panels.length));
  const cells = gridCells(panels.length, columns, { x: 0.015, y: 0.07 });
  const data: Trace[] = [];
  const layout: Layout = {};
  const shapes: Layout[] = [];
  const legend = new Set<string>();
  panels.forEach((p, i) => {
    const { width, height } = p.image;
    const cell = cells[i];
    const float = p.image.data instanceof Float32Array;
    const factor = fitFactor(width, height, opts.maxSize ?? 160);
    data.push({
      type: 'image',
      source: imageToDataUri({ data: p.image.data, width, height, channels: 1 }, float ? { lo: 0, hi: 1 } : { lo: 0, hi: 255 }, factor),
      x0: (factor - 1) / 2, y0: (factor - 1) / 2, dx: factor, dy: factor,
      xaxis: cell.xref, yaxis: cell.yref, name: p.title, hoverinfo: 'skip',
    });
    for (const s of p.sets) {
      const lv = LEVELS.map((_, l) => l).filter((l) => Number.isFinite(s.kps[2 * l]) && Number.isFinite(s.kps[2 * l + 1]));
      data.push({
        type: 'scatter', mode: 'markers', xaxis: cell.xref, yaxis: cell.yref,
        x: lv.map((l) => s.kps[2 * l] * width), y: lv.map((l) => s.kps[2 * l + 1] * height),
        text: lv.map((l) => LEVELS[l]), name: s.name, legendgroup: s.name, showlegend: !legend.has(s.name),
        marker: { color: s.color, symbol: s.symbol ?? 'x', size: 8, line: { width: 1, color: '#000000' } },
        hovertemplate: `${s.name} %{text}<br>x %{x:.1f}, y %{y:.1f} px<extra>${p.title}</extra>`,
      });
      legend.add(s.name);
    }
    for (const b of p.boxes ?? []) {
      shapes.push({ type: 'rect', xref: cell.xref, yref: cell.yref, x0: b.x0 - 0.5, y0: b.y0 - 0.5, x1: b.x1 - 0.5, y1: b.y1 - 0.5, line: { color: '#ffd60a', width: 1 } });
    }
    if (p.frame) {
      shapes.push({ type: 'rect', xref: `${cell.xref} domain`, yref: `${cell.yref} domain`, x0: 0, y0: 0, x1: 1, y1: 1, line: { color: p.frame, width: 3 } });
    }
    layout[cell.xkey] = { domain: cell.xDomain, range: [-0.5, width - 0.5], visible: false, anchor: cell.yref };
    layout[cell.ykey] = { domain: cell.yDomain, range: [height - 0.5, -0.5], visible: false, anchor: cell.xref, scaleanchor: cell.xref };
  });
  const rows = Math.ceil(panels.length / columns);
  return {
    data,
    layout: {
      ...layout,
      title: { text: opts.title ?? 'Disc centres' },
      width: opts.width ?? Math.min(columns, panels.length) * 170 + 40,
      height: opts.height ?? rows * 200 + 90,
      margin: { l: 10, r: 10, t: 60, b: 10 },
      shapes,
      annotations: cellTitles(cells, panels.map((p) => p.title)),
      legend: { orientation: 'h', y: -0.02 },
      meta: { kind: 'keypointGrid', panels: panels.length },
    },
  };
}
