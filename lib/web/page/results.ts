/** The page's result panels: the level crops, the 25 × 3 predictions (bars and table), the CSV. */
import Plotly from 'plotly.js-cartesian-dist-min';
import type { NdArray } from '../../core/npy.js';
import { CONDITIONS, LEVELS, N_CLASSES, N_TARGETS } from '../../data/vocabulary.js';
import { submissionLines } from '../../infer/core.js';
import { CLASS_COLORS } from '../../viz/palette.js';
import { predictionBars } from '../../viz/charts.js';
import { percentileWindow } from '../../viz/window.js';
import type { SeriesPrediction, StudyPrediction } from '../infer.js';
import { LEVEL_COLORS } from './viewer.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The middle slice of a crop on a canvas, windowed by its own 0.5–99.5 % percentiles. */
function cropCanvas(crop: NdArray): HTMLCanvasElement {
  const [d, h, w] = crop.shape;
  const plane = h * w;
  const mid = crop.data.subarray(Math.floor(d / 2) * plane, (Math.floor(d / 2) + 1) * plane);
  const { lo, hi } = percentileWindow(mid);
  const img = new ImageData(w, h);
  for (let i = 0; i < plane; i++) {
    const g = Math.max(0, Math.min(255, ((mid[i] - lo) * 255) / (hi - lo)));
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g;
    img.data[4 * i + 3] = 255;
  }
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  c.getContext('2d')!.putImageData(img, 0, 0);
  return c;
}

export function showCrops(series: readonly SeriesPrediction[]): void {
  const box = $('crop-rows');
  box.replaceChildren();
  for (const s of series) {
    const row = document.createElement('div');
    row.className = 'crop-row';
    const label = document.createElement('div');
    label.className = 'label';
    label.textContent = `${s.description} (series ${s.seriesId})`;
    row.append(label);
    s.cuts.forEach(({ crop, box: b }, l) => {
      const fig = document.createElement('figure');
      const cap = document.createElement('figcaption');
      cap.textContent = `${LEVELS[l]}${b.fallback ? ' (whole slice)' : ''}`;
      cap.style.color = LEVEL_COLORS[l];
      fig.append(cropCanvas(crop), cap);
      row.append(fig);
    });
    box.append(row);
  }
  $('crops').hidden = series.length === 0;
}

export function showPredictions(p: StudyPrediction, sourceText: string, fallback: boolean): void {
  $('predictions').hidden = false;
  const src = $('prediction-source');
  src.textContent = sourceText;
  src.className = fallback ? 'fallback' : '';
  const rows = $('prediction-table').querySelector('tbody')!;
  rows.replaceChildren();
  for (let j = 0; j < N_TARGETS; j++) {
    const tr = document.createElement('tr');
    const cells: HTMLTableCellElement[] = [CONDITIONS[Math.floor(j / LEVELS.length)], LEVELS[j % LEVELS.length]].map((t: string) => Object.assign(document.createElement('td'), { textContent: t }));
    const probs = Array.from({ length: N_CLASSES }, (_, k) => p.probs[j * N_CLASSES + k]);
    const top = probs.indexOf(Math.max(...probs));
    probs.forEach((v, k) => {
      const td = document.createElement('td');
      td.className = `p${k === top ? ' top' : ''}`;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${(v * 100).toFixed(1)}%`;
      bar.style.background = CLASS_COLORS[k];
      td.append(bar, v.toFixed(3));
      cells.push(td);
    });
    tr.append(...cells);
    rows.append(tr);
  }
  const fig = predictionBars(p.probs, { title: 'Probabilities per condition and level (stacked)' });
  void Plotly.newPlot($('bars'), fig.data, fig.layout, { displaylogo: false, responsive: true });
}

/** The study's 25 submission rows as a CSV download. */
export function saveCsv(studyId: number, probs: ArrayLike<number>): void {
  const text = `${submissionLines([studyId], new Map([[studyId, probs]])).join('\n')}\n`;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  a.download = `submission_${studyId}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
