import type { NdArray } from '../core/npy.js';
import { Rng } from '../core/rng.js';
import { N_TARGETS } from '../data/vocabulary.js';
import type { SliceBox, SlicePoint } from './slices.js';
import type { CurvePoint } from './curves.js';

/**
 * Small synthetic inputs for the smoke notebook and the display tests: a sagittal-like stack of
 * five bright "discs" on a noisy background, with their landmarks and boxes. Not a model of
 * anatomy (lib/synth makes realistic studies); just enough structure to see a figure is right.
 */
export function demoStack(seed = 0, depth = 9, size = 96): { stack: NdArray<Float32Array>; points: SlicePoint[]; boxes: SliceBox[] } {
  const rng = new Rng(seed);
  const data = new Float32Array(depth * size * size);
  const points: SlicePoint[] = [];
  const boxes: SliceBox[] = [];
  const mid = Math.floor(depth / 2);
  for (let z = 0; z < depth; z++) {
    const fade = Math.exp(-(((z - mid) / (depth / 3)) ** 2));
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
      let v = 120 + 40 * (y / size) + rng.normal(0, 12);
      for (let l = 0; l < 5; l++) {
        const cy = size * (0.2 + 0.15 * l);
        const cx = size * (0.45 + 0.05 * Math.sin(l));
        const r2 = ((x - cx) / (size * 0.12)) ** 2 + ((y - cy) / (size * 0.04)) ** 2;
        if (r2 < 1) v += 500 * fade * (1 - r2);
      }
      data[(z * size + y) * size + x] = v;
    }
  }
  const levels = ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1'];
  levels.forEach((name, l) => {
    const x = Math.round(size * (0.45 + 0.05 * Math.sin(l)));
    const y = Math.round(size * (0.2 + 0.15 * l));
    points.push({ x, y, z: mid, label: name, condition: 0 });
    const h = Math.round(size * 0.08);
    boxes.push({ x0: x - 2 * h, y0: y - h, x1: x + 2 * h, y1: y + h, z: mid, label: name });
  });
  return { stack: { data, shape: [depth, size, size], dtype: 'float32' }, points, boxes };
}

/** Crops cut from the demo stack around each box: one rows × cols crop per level. */
export function demoCrops(stack: NdArray, boxes: SliceBox[]): NdArray<Float32Array>[] {
  const [, h, w] = stack.shape;
  return boxes.map((b) => {
    const cw = b.x1 - b.x0;
    const ch = b.y1 - b.y0;
    const out = new Float32Array(ch * cw);
    for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
      const yy = Math.min(h - 1, Math.max(0, b.y0 + y));
      const xx = Math.min(w - 1, Math.max(0, b.x0 + x));
      out[y * cw + x] = stack.data[(b.z * h + yy) * w + xx];
    }
    return { data: out, shape: [ch, cw], dtype: 'float32' as const };
  });
}

/** Loss-like curves that decrease with noise, `folds` × `steps / every` evaluations. */
export function demoCurves(folds = 2, steps = 200, every = 20, seed = 1): CurvePoint[] {
  const rng = new Rng(seed);
  const out: CurvePoint[] = [];
  for (let f = 0; f < folds; f++) {
    for (let s = every; s <= steps; s += every) {
      const base = 0.35 + 0.6 * Math.exp(-s / (steps / 3));
      out.push({ fold: f, step: s, train_loss: base + rng.normal(0, 0.02), val_loss: base + 0.05 + rng.normal(0, 0.03), val_score: base + 0.1 + rng.normal(0, 0.03) });
    }
  }
  return out;
}

/** Random labels (0/1/2, some -1) and softmax-like predictions that agree with them more often than not. */
export function demoPredictions(studies = 40, seed = 2): { labels: Int8Array[]; probs: Float32Array[] } {
  const rng = new Rng(seed);
  const labels: Int8Array[] = [];
  const probs: Float32Array[] = [];
  for (let s = 0; s < studies; s++) {
    const lab = new Int8Array(N_TARGETS);
    const p = new Float32Array(N_TARGETS * 3);
    for (let t = 0; t < N_TARGETS; t++) {
      const u = rng.random();
      lab[t] = u < 0.03 ? -1 : u < 0.75 ? 0 : u < 0.92 ? 1 : 2;
      const logits = [0, 1, 2].map((k) => rng.normal(0, 1) + (k === lab[t] ? 1.5 : 0));
      const m = Math.max(...logits);
      const e = logits.map((v) => Math.exp(v - m));
      const z = e[0] + e[1] + e[2];
      for (let k = 0; k < 3; k++) p[t * 3 + k] = e[k] / z;
    }
    labels.push(lab);
    probs.push(p);
  }
  return { labels, probs };
}
