import type { NdArray } from '../core/npy.js';
import { UsageError } from '../core/errors.js';
import { fitFactor, imageToDataUri, percentileWindow, windowBounds, type Window } from './image.js';
import { conditionColor, seriesColor } from './palette.js';
import { TITLE_LINE_PX, wrapTitle } from './text.js';
import type { Figure, FigureOptions, Trace } from './types.js';

/** A landmark on one slice, in the stack's pixel coordinates (x = column, y = row, z = slice index). */
export interface SlicePoint {
  x: number;
  y: number;
  z: number;
  label?: string;
  /** Condition index (0..4): picks the condition colour. */
  condition?: number;
  color?: string;
}

/** A rectangle on one slice (pixel coordinates, corners inclusive-exclusive like crops.csv). */
export interface SliceBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  z: number;
  label?: string;
  color?: string;
}

export interface SliceViewerOptions extends FigureOptions {
  /** 'sagittal' or 'axial': only changes titles and axis names. */
  plane?: 'sagittal' | 'axial';
  /** Intensity window; default: 0.5–99.5 percentiles of the shown slices. */
  window?: Window;
  points?: SlicePoint[];
  boxes?: SliceBox[];
  /** At most this many slices are embedded (evenly spaced, plus every slice with a mark). Default 24. */
  maxSlices?: number;
  /**
   * Longest image side in pixels after (integer) downsampling. Default 192: a 15-slice noisy
   * 384² stack then embeds in about 0.5 MB, so a dozen viewers keep a notebook at a few MB.
   */
  maxSize?: number;
  /** Slice shown first (a stack index); default: first slice with a mark, else the middle one. */
  initialSlice?: number;
  /** Pixel spacing in mm (row, column): adds mm to the hover. */
  spacing?: [number, number];
}

/** Stack indices embedded in the viewer: evenly spaced plus those carrying marks, sorted, unique. */
export function pickSlices(depth: number, maxSlices: number, marked: number[]): number[] {
  const keep = new Set<number>(marked.filter((z) => z >= 0 && z < depth));
  const free = Math.max(1, maxSlices - keep.size);
  if (depth <= maxSlices) for (let z = 0; z < depth; z++) keep.add(z);
  else for (let i = 0; i < free; i++) keep.add(Math.round((i * (depth - 1)) / Math.max(1, free - 1)));
  return [...keep].sort((a, b) => a - b);
}

/**
 * A slice-by-slice viewer of a stack (slices × rows × cols): one PNG image trace per embedded
 * slice and a slider to move through them, landmarks and boxes drawn only on their own slice.
 * Hover shows x, y (pixels, mm when spacing is given), z (slice index) and the grey level in the
 * window (the window bounds are in the title). Axes stay in original pixels when downsampled.
 */
export function sliceViewer(stack: NdArray, opts: SliceViewerOptions = {}): Figure {
  if (stack.shape.length !== 3) throw new UsageError(`sliceViewer expects slices × rows × cols, got shape [${stack.shape}]`);
  const [depth, height, width] = stack.shape;
  if (depth === 0) throw new UsageError('sliceViewer: empty stack');
  const points = opts.points ?? [];
  const boxes = opts.boxes ?? [];
  const plane = opts.plane ?? 'sagittal';
  const marked = [...points.map((p) => Math.round(p.z)), ...boxes.map((b) => Math.round(b.z))];
  const shown = pickSlices(depth, opts.maxSlices ?? 24, marked);
  const factor = fitFactor(width, height, opts.maxSize ?? 192);
  const area = height * width;
  const sliceOf = (z: number) => stack.data.subarray(z * area, (z + 1) * area);

  let win: { lo: number; hi: number };
  if (opts.window) win = windowBounds(opts.window);
  else {
    const sample = new Float32Array(shown.length * area);
    shown.forEach((z, i) => sample.set(sliceOf(z), i * area));
    win = percentileWindow(sample);
  }
  const mm = opts.spacing
    ? `<br>(%{x}·${opts.spacing[1]}, %{y}·${opts.spacing[0]}) mm`
    : '';

  const images: Trace[] = shown.map((z, i) => ({
    type: 'image',
    source: imageToDataUri({ data: sliceOf(z), width, height, channels: 1 }, win, factor),
    x0: (factor - 1) / 2,
    y0: (factor - 1) / 2,
    dx: factor,
    dy: factor,
    name: `slice ${z}`,
    visible: i === 0,
    hovertemplate: `x %{x:.0f} px, y %{y:.0f} px, z ${z}${mm}<br>value %{color[0]} / 255<extra></extra>`,
  }));
  const initial = opts.initialSlice ?? (marked.length ? Math.min(...marked) : Math.floor(depth / 2));
  const initialIndex = Math.max(0, shown.findIndex((z) => z >= initial));

  // One landmark trace per slice that has landmarks, toggled together with its image.
  const pointTraces: { z: number; trace: Trace }[] = [];
  for (const z of shown) {
    const own = points.filter((p) => Math.round(p.z) === z);
    if (!own.length) continue;
    pointTraces.push({
      z,
      trace: {
        type: 'scatter',
        mode: 'markers+text',
        x: own.map((p) => p.x),
        y: own.map((p) => p.y),
        text: own.map((p) => p.label ?? ''),
        textposition: 'middle right',
        textfont: { color: '#ffd700', size: 11 },
        marker: {
          size: 9,
          symbol: 'x',
          color: own.map((p, i) => p.color ?? (p.condition !== undefined ? conditionColor(p.condition) : seriesColor(i))),
          line: { width: 1, color: '#000000' },
        },
        name: `landmarks z=${z}`,
        hovertemplate: `%{text}<br>x %{x:.1f} px, y %{y:.1f} px, z ${z}<extra></extra>`,
        showlegend: false,
        visible: false,
      },
    });
  }
  const data = [...images, ...pointTraces.map((p) => p.trace)];
  const visibility = (i: number) => [...shown.map((_, j) => j === i), ...pointTraces.map((p) => p.z === shown[i])];
  const shapesFor = (z: number) =>
    boxes.filter((b) => Math.round(b.z) === z).flatMap((b, i) => [{
      type: 'rect', xref: 'x', yref: 'y', x0: b.x0 - 0.5, y0: b.y0 - 0.5, x1: b.x1 - 0.5, y1: b.y1 - 0.5,
      line: { color: b.color ?? seriesColor(i), width: 2 },
    }]);
  const annotationsFor = (z: number) =>
    boxes.filter((b) => Math.round(b.z) === z && b.label).map((b, i) => ({
      x: b.x0 - 0.5, y: b.y0 - 0.5, xref: 'x', yref: 'y', text: b.label, showarrow: false,
      xanchor: 'left', yanchor: 'bottom', font: { color: b.color ?? seriesColor(i), size: 11 },
    }));
  const title = opts.title ?? `${plane === 'axial' ? 'Axial' : 'Sagittal'} stack`;
  const plotW = opts.width ?? 520;
  const wrapped = wrapTitle(title, plotW);
  const titleFor = (z: number) => `${wrapped}<br><sub>slice ${z} of 0–${depth - 1} · grey window ${fmt(win.lo)}…${fmt(win.hi)}</sub>`;
  const extraTitleLines = wrapped.split('<br>').length - 1;
  data.forEach((t, i) => (t.visible = visibility(initialIndex)[i]));

  const aspect = height / width;
  return {
    data,
    layout: {
      title: { text: titleFor(shown[initialIndex]) },
      width: plotW,
      height: opts.height ?? Math.round((plotW - 80) * aspect) + 205 + TITLE_LINE_PX * extraTitleLines,
      margin: { l: 60, r: 20, t: 80 + TITLE_LINE_PX * extraTitleLines, b: 125 },
      xaxis: { range: [-0.5, width - 0.5], title: { text: plane === 'axial' ? 'x: right → left (px)' : 'x: anterior → posterior (px)' }, showgrid: false, zeroline: false, constrain: 'domain' },
      yaxis: { range: [height - 0.5, -0.5], title: { text: plane === 'axial' ? 'y: anterior → posterior (px)' : 'y: head → feet (px)' }, showgrid: false, zeroline: false, scaleanchor: 'x', constrain: 'domain' },
      shapes: shapesFor(shown[initialIndex]),
      annotations: annotationsFor(shown[initialIndex]),
      sliders: [{
        active: initialIndex,
        currentvalue: { prefix: 'slice ' },
        pad: { t: 55 },
        steps: shown.map((z, i) => ({
          label: String(z),
          method: 'update',
          args: [{ visible: visibility(i) }, { shapes: shapesFor(z), annotations: annotationsFor(z), 'title.text': titleFor(z) }],
        })),
      }],
      meta: { kind: 'sliceViewer', slices: shown, factor },
    },
  };
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(3);
}
