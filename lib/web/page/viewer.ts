/**
 * A slice viewer on a canvas: one stack in spatial order, a slice slider (and the mouse wheel),
 * window/level by dragging (right: wider, down: higher level), presets and a reset to the window
 * the DICOM files suggest, and the predicted disc levels with their crop boxes drawn on top.
 * The root element carries `data-slice` and `data-window` ("center,width") for tests.
 */
import type { NdArray } from '../../core/npy.js';
import type { CropBox } from '../../crops/box.js';
import { LEVELS } from '../../data/vocabulary.js';
import type { DicomHeader } from '../../dicom/header.js';
import { percentileWindow } from '../../viz/window.js';

/** One colour per disc level, L1/L2 → L5/S1. */
export const LEVEL_COLORS = ['#ff4d4f', '#ffa940', '#fadb14', '#52c41a', '#40a9ff'] as const;

export interface Overlay {
  /** Relative centres [u, v] × 5. */
  points: ArrayLike<number>;
  /** The 5 crop boxes, in pixels of the slice. */
  boxes: readonly CropBox[];
}

interface Win { center: number; width: number }
type Preset = 'dicom' | 'auto' | 'contrast' | 'full';
const PRESET_LABELS: Record<Preset, string> = { dicom: 'DICOM window', auto: 'auto (0.5–99.5 %)', contrast: 'high contrast (5–95 %)', full: 'full range' };

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
};

export class SliceViewer {
  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly slider: HTMLInputElement;
  private readonly presetSelect: HTMLSelectElement;
  private readonly readout: HTMLElement;
  private readonly image: ImageData;
  private readonly scratch: HTMLCanvasElement;
  private readonly depth: number;
  private readonly rows: number;
  private readonly cols: number;
  private readonly scale: number;
  private readonly presets = new Map<Preset, Win>();
  private win: Win;
  private z: number;
  private overlay: Overlay | null = null;
  private showOverlay = true;

  constructor(title: string, private readonly stack: NdArray, header: DicomHeader, note = '') {
    [this.depth, this.rows, this.cols] = stack.shape;
    this.z = Math.floor(this.depth / 2);
    this.scale = 480 / Math.max(this.rows, this.cols);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < stack.data.length; i++) {
      const v = stack.data[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const fromBounds = (b: { lo: number; hi: number }): Win => ({ center: (b.lo + b.hi) / 2, width: Math.max(1, b.hi - b.lo) });
    if (header.windowCenter !== undefined && header.windowWidth !== undefined && header.windowWidth > 0) {
      this.presets.set('dicom', { center: header.windowCenter, width: header.windowWidth });
    }
    this.presets.set('auto', fromBounds(percentileWindow(stack.data)));
    this.presets.set('contrast', fromBounds(percentileWindow(stack.data, 5, 95)));
    this.presets.set('full', fromBounds({ lo, hi }));
    this.win = { ...this.presets.get(this.resetPreset())! };

    this.canvas = el('canvas');
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.cols * this.scale * dpr);
    this.canvas.height = Math.round(this.rows * this.scale * dpr);
    this.canvas.style.width = `${Math.round(this.cols * this.scale)}px`;
    this.canvas.style.height = `${Math.round(this.rows * this.scale)}px`;
    this.scratch = el('canvas');
    this.scratch.width = this.cols;
    this.scratch.height = this.rows;
    this.image = new ImageData(this.cols, this.rows);

    this.slider = el('input', { type: 'range', min: '0', max: String(this.depth - 1), value: String(this.z), title: 'slice' });
    this.slider.addEventListener('input', () => this.setSlice(Number(this.slider.value)));
    this.presetSelect = el('select', { title: 'window preset' });
    for (const p of this.presets.keys()) this.presetSelect.append(el('option', { value: p, textContent: PRESET_LABELS[p] }));
    this.presetSelect.value = this.resetPreset();
    this.presetSelect.addEventListener('change', () => this.setWindow({ ...this.presets.get(this.presetSelect.value as Preset)! }));
    const reset = el('button', { type: 'button', textContent: this.presets.has('dicom') ? 'reset to DICOM window' : 'reset window (no DICOM window: auto)' });
    reset.className = 'reset';
    reset.addEventListener('click', () => {
      this.presetSelect.value = this.resetPreset();
      this.setWindow({ ...this.presets.get(this.resetPreset())! });
    });
    const toggle = el('input', { type: 'checkbox', checked: true });
    toggle.addEventListener('change', () => { this.showOverlay = toggle.checked; this.draw(); });
    this.readout = el('span', { className: 'readout' });
    const legend = el('div', { className: 'legend muted' }, ...LEVELS.map((l, i) => {
      const dot = el('i');
      dot.style.background = LEVEL_COLORS[i];
      return el('span', {}, dot, l);
    }));
    this.root = el('figure', { className: 'viewer card' },
      el('h2', {}, title),
      ...(note ? [el('p', { className: 'muted' }, note)] : []),
      this.canvas,
      el('div', { className: 'controls' }, this.slider, this.readout),
      el('div', { className: 'controls' }, this.presetSelect, reset, el('label', {}, toggle, ' disc levels and crop boxes')),
      legend,
    );
    this.wire();
    this.render();
  }

  private resetPreset(): Preset {
    return this.presets.has('dicom') ? 'dicom' : 'auto';
  }

  private wire(): void {
    let start: { x: number; y: number; win: Win } | null = null;
    const range = () => this.presets.get('full')!.width;
    this.canvas.addEventListener('pointerdown', (e) => {
      start = { x: e.clientX, y: e.clientY, win: { ...this.win } };
      this.canvas.setPointerCapture(e.pointerId);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!start) return;
      const k = range() / 300;
      this.setWindow({ width: Math.max(1, start.win.width + (e.clientX - start.x) * k), center: start.win.center + (e.clientY - start.y) * k });
    });
    const end = () => { start = null; };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
    this.canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.setSlice(this.z + Math.sign(e.deltaY));
    }, { passive: false });
  }

  setSlice(z: number): void {
    this.z = Math.min(this.depth - 1, Math.max(0, Math.round(z)));
    this.slider.value = String(this.z);
    this.render();
  }

  setWindow(w: Win): void {
    this.win = w;
    this.render();
  }

  setOverlay(o: Overlay | null): void {
    this.overlay = o;
    this.draw();
  }

  /** Window the slice into the scratch canvas, then draw. */
  private render(): void {
    const { data } = this.image;
    const plane = this.rows * this.cols;
    const src = this.stack.data;
    const lo = this.win.center - this.win.width / 2;
    const k = 255 / this.win.width;
    for (let i = 0, o = this.z * plane; i < plane; i++) {
      const v = (src[o + i] - lo) * k;
      const g = v > 255 ? 255 : v > 0 ? v : 0;
      data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = g;
      data[4 * i + 3] = 255;
    }
    this.scratch.getContext('2d')!.putImageData(this.image, 0, 0);
    this.root.dataset.slice = String(this.z);
    this.root.dataset.window = `${this.win.center.toFixed(1)},${this.win.width.toFixed(1)}`;
    this.readout.textContent = `slice ${this.z + 1} / ${this.depth} · window C ${this.win.center.toFixed(0)} W ${this.win.width.toFixed(0)}`;
    this.draw();
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const s = this.canvas.width / this.cols;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.scratch, 0, 0, this.canvas.width, this.canvas.height);
    if (!this.overlay || !this.showOverlay) return;
    const dpr = window.devicePixelRatio || 1;
    ctx.lineWidth = 1.5 * dpr;
    ctx.font = `${12 * dpr}px system-ui, sans-serif`;
    this.overlay.boxes.forEach((b, l) => {
      ctx.strokeStyle = LEVEL_COLORS[l];
      ctx.setLineDash(b.fallback ? [2 * dpr, 4 * dpr] : [6 * dpr, 3 * dpr]);
      ctx.strokeRect(b.x0 * s, b.y0 * s, (b.x1 - b.x0) * s, (b.y1 - b.y0) * s);
    });
    ctx.setLineDash([]);
    for (let l = 0; l < LEVELS.length; l++) {
      const x = this.overlay.points[2 * l] * this.cols * s;
      const y = this.overlay.points[2 * l + 1] * this.rows * s;
      ctx.fillStyle = LEVEL_COLORS[l];
      ctx.beginPath();
      ctx.arc(x, y, 3.5 * dpr, 0, 2 * Math.PI);
      ctx.fill();
      ctx.fillText(LEVELS[l], x + 7 * dpr, y + 4 * dpr);
    }
  }
}
