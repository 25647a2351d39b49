import { describe, expect, it } from 'vitest';
import { cropGrid, framePanels, levelCropPanels } from '../../lib/viz/crops.js';
import { learningCurves } from '../../lib/viz/curves.js';
import { argmaxRows, calibrationCurves, confusionMatrices, confusionMatrix, lossHeatmap, reliabilityBins } from '../../lib/viz/evaluation.js';
import { barChart, classDistribution, histogram } from '../../lib/viz/charts.js';
import { demoCurves, demoPredictions } from '../../lib/viz/demo.js';
import { CLASS_COLORS, CONDITION_COLORS } from '../../lib/viz/palette.js';
import { CONDITION_SHORT, LEVELS } from '../../lib/data/vocabulary.js';
import type { NdArray } from '../../lib/core/npy.js';
import { dataUriToPng, decodePngsWithPython, HAS_PYTHON } from './png-reference.js';

const img = (h: number, w: number, c = 1, f = (i: number) => i): NdArray => ({
  data: Float32Array.from({ length: h * w * c }, (_, i) => f(i)), shape: c === 1 ? [h, w] : [h, w, c], dtype: 'float32',
});

describe('crops', () => {
  it('level crops are titled by level and severity', () => {
    const panels = levelCropPanels(LEVELS.map(() => img(4, 6)), [0, 1, 2, -1, 0]);
    expect(panels.map((p) => p.title)).toEqual(['L1/L2 — Normal/Mild', 'L2/L3 — Moderate', 'L3/L4 — Severe', 'L4/L5 — no label', 'L5/S1 — Normal/Mild']);
    expect(() => levelCropPanels([img(2, 2)])).toThrow(/expected 5 crops/);
  });

  it('frames of a sample are split in order with their labels', () => {
    const sample: NdArray = { data: Float32Array.from({ length: 2 * 3 * 4 * 3 }, (_, i) => i), shape: [2, 3, 4, 3], dtype: 'float32' };
    const p = framePanels(sample, ['left', 'right']);
    expect(p.map((x) => x.title)).toEqual(['frame 0 — left', 'frame 1 — right']);
    expect(p[1].image.shape).toEqual([3, 4, 3]);
    expect(p[1].image.data[0]).toBe(36);
  });

  it('a grid has one image per panel in its own axes, with titles', () => {
    const fig = cropGrid(levelCropPanels(LEVELS.map(() => img(8, 16))), { columns: 3 });
    expect(fig.data.map((t) => [t.type, t.xaxis, t.yaxis])).toEqual([
      ['image', 'x', 'y'], ['image', 'x2', 'y2'], ['image', 'x3', 'y3'], ['image', 'x4', 'y4'], ['image', 'x5', 'y5'],
    ]);
    const ann = fig.layout.annotations as { text: string; y: number }[];
    expect(ann.map((a) => a.text)).toEqual([...LEVELS]);
    // two rows: titles of the second row below those of the first
    expect(ann[3].y).toBeLessThan(ann[0].y);
    expect((fig.layout.yaxis4 as { range: number[] }).range).toEqual([7.5, -0.5]);
  });

  it.skipIf(!HAS_PYTHON)('RGB frames keep their three slices as channels', () => {
    // channel c = slice c: constant 0, 50, 100 → window 0..102 (×2.5) → 0, 125, 250
    const sample: NdArray = { data: Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => (i % 3) * 50), shape: [1, 2, 2, 3], dtype: 'float32' };
    const fig = cropGrid(framePanels(sample).map((p) => ({ ...p, window: { lo: 0, hi: 102 } })));
    const [d] = decodePngsWithPython([dataUriToPng(String(fig.data[0].source))]);
    expect(d.channels).toBe(3);
    expect(d.data).toEqual([0, 125, 250, 0, 125, 250, 0, 125, 250, 0, 125, 250]);
  });
});

describe('learningCurves', () => {
  const pts = demoCurves(2, 100, 20);
  const fig = learningCurves(pts, { metricTitle: 'val score' });

  it('one trace per fold and series, losses on top, metrics below', () => {
    expect(fig.data).toHaveLength(6);
    for (const t of fig.data) {
      const name = String(t.name);
      expect(t.yaxis).toBe(name.includes('loss') ? 'y' : 'y2');
      expect((t.line as { dash: string }).dash).toBe(name.includes('val') ? 'dash' : 'solid');
      expect((t.x as number[])).toEqual([20, 40, 60, 80, 100]);
    }
    const colours = new Set(fig.data.map((t) => (t.line as { color: string }).color));
    expect(colours.size).toBe(2); // one per fold
  });

  it('points out of order are drawn in step order; a single series uses one panel', () => {
    const f = learningCurves([{ step: 20, loss: 1 }, { step: 10, loss: 2 }]);
    expect(f.data[0].x).toEqual([10, 20]);
    expect(f.data[0].y).toEqual([2, 1]);
    expect(f.layout.yaxis2).toBeUndefined();
  });

  it('rejects a point without a step', () => {
    expect(() => learningCurves([{ loss: 1 } as never])).toThrow(/numeric step/);
  });
});

describe('evaluation figures', () => {
  it('confusionMatrix counts, skips missing labels and weights rows', () => {
    const truth = [0, 0, 1, 2, -1, 2];
    const pred = [0, 1, 1, 0, 2, 2];
    expect(confusionMatrix(truth, pred)).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 1]]);
    expect(confusionMatrix(truth, pred, 3, [1, 1, 2, 4, 9, 4])).toEqual([[1, 1, 0], [0, 2, 0], [4, 0, 4]]);
    expect(() => confusionMatrix([0], [3])).toThrow(/not a class index/);
  });

  it('argmaxRows picks the largest probability per row', () => {
    expect(Array.from(argmaxRows([0.2, 0.5, 0.3, 0.9, 0.05, 0.05, 0.1, 0.1, 0.8]))).toEqual([1, 0, 2]);
  });

  it('confusion matrices colour by share of the true class and show counts', () => {
    const fig = confusionMatrices([{ title: 'SCS', matrix: [[6, 2, 0], [1, 3, 0], [0, 0, 0]] }]);
    const t = fig.data[0] as unknown as { z: number[][]; text: string[][] };
    expect(t.z[0]).toEqual([0.75, 0.25, 0]);
    expect(t.z[2]).toEqual([0, 0, 0]);
    expect(t.text[1][0]).toBe('1<br>25%');
    expect(() => confusionMatrices([{ title: 'bad', matrix: [[1]] }])).toThrow(/not 3×3/);
  });

  it('loss heatmap puts target c×5+l at row c, column l', () => {
    const v = Array.from({ length: 25 }, (_, t) => t);
    const fig = lossHeatmap(v);
    const z = fig.data[0].z as number[][];
    expect(z[2][3]).toBe(13);
    expect(fig.data[0].y).toEqual([...CONDITION_SHORT]);
    expect(fig.data[0].x).toEqual([...LEVELS]);
  });

  it('reliability bins match a hand computation', () => {
    const r = reliabilityBins([0.05, 0.15, 0.12, 0.95, 0.5, 1], [0, 1, 0, 1, -1, 1], 10);
    expect(r.count).toEqual([1, 2, 2]);
    expect(r.meanProb[1]).toBeCloseTo(0.135, 12);
    expect(r.freq).toEqual([0, 0.5, 1]);
  });

  it('calibration curves use the class colours and draw the diagonal', () => {
    const fig = calibrationCurves([0, 1, 2].map((k) => ({ name: `c${k}`, classIndex: k, probs: [0.1, 0.9], outcomes: [0, 1] })));
    expect(fig.data).toHaveLength(4);
    expect(fig.data.slice(1).map((t) => (t.line as { color: string }).color)).toEqual([...CLASS_COLORS]);
  });
});

describe('charts', () => {
  it('classDistribution counts severities per condition over all levels', () => {
    const { labels } = demoPredictions(30);
    const fig = classDistribution(labels);
    for (let s = 0; s < 3; s++) {
      const y = fig.data[s].y as number[];
      for (let c = 0; c < 5; c++) {
        let n = 0;
        for (const row of labels) for (let l = 0; l < 5; l++) if (row[c * 5 + l] === s) n++;
        expect(y[c]).toBe(n);
      }
      expect((fig.data[s].marker as { color: string }).color).toBe(CLASS_COLORS[s]);
    }
    expect(() => classDistribution([new Int8Array(3)])).toThrow(/expected 25/);
  });

  it('barChart checks lengths; histogram shares bins across series', () => {
    expect(() => barChart(['a', 'b'], { name: 's', values: [1] })).toThrow(/1 values for 2 categories/);
    const h = histogram([{ name: 'a', values: [0, 1, 2] }, { name: 'b', values: [5, NaN] }], { bins: 5, unit: 'mm', xTitle: 'error' });
    expect(h.data.map((t) => t.xbins)).toEqual([{ start: 0, end: 5 + 1e-6, size: 1 }, { start: 0, end: 5 + 1e-6, size: 1 }]);
    expect(h.data[1].x).toEqual([5]);
    expect((h.layout.xaxis as { title: { text: string } }).title.text).toBe('error (mm)');
  });

  it('the palette has one colour per condition and per class, all distinct', () => {
    expect(new Set([...CONDITION_COLORS, ...CLASS_COLORS]).size).toBe(8);
  });
});
