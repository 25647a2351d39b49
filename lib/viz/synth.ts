/**
 * The "synthetic vs real" notebook cell: one synthetic study (rendered in memory, exactly as
 * `spinelab synth` writes it) next to a real sagittal slice from the SPIDER lumbar spine dataset
 * (van der Graaf et al., 2024, CC BY 4.0; `../shared/data/spider-lumbar/`). Panels show where each
 * condition is read: mid-sagittal T2 (SCS), parasagittal T1 through the left foramina (NFN), axial
 * T2 through a disc (SS), each with the label points of its slice marked.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { NdArray } from '../core/npy.js';
import { sharedDataDir } from '../core/paths.js';
import { readSpiderImage } from '../coords/spider.js';
import { CONDITIONS, LEVELS, SEVERITIES, targetIndex } from '../data/vocabulary.js';
import type { PresetName } from '../core/presets.js';
import { renderStudy } from '../synth/generate.js';
import { synthPreset } from '../synth/presets.js';
import { cropGrid, type CropPanel } from './crops.js';
import type { Figure } from './types.js';

export interface SynthFigureOptions {
  seed?: number;
  size?: PresetName;
  /** Index of the study in the dataset (0 = its first training study). */
  study?: number;
  /** Level (0 = L1/L2 … 4 = L5/S1) whose axial slice is shown. */
  level?: number;
  /** SPIDER image file name in spider-lumbar/images (default 10015_8.png, a mid-sagittal T2). */
  spiderImage?: string;
  /** Longest side of each panel, pixels. */
  maxSize?: number;
}

/** Burn small crosses into a copy of the image at the given (x, y) pixels (at the image maximum). */
function mark(img: Uint16Array, rows: number, cols: number, pts: Array<[number, number]>): Uint16Array {
  const out = img.slice();
  let hi = 0;
  for (const v of img) hi = Math.max(hi, v);
  const arm = Math.max(2, Math.round(cols / 80));
  for (const [x, y] of pts) {
    for (let d = -arm; d <= arm; d++) {
      for (const [c, r] of [[Math.round(x) + d, Math.round(y)], [Math.round(x), Math.round(y) + d]]) {
        if (r >= 0 && r < rows && c >= 0 && c < cols) out[r * cols + c] = hi;
      }
    }
  }
  return out;
}

/** Three panels of one synthetic study: mid-sagittal T2, left parasagittal T1, axial T2 at `level`. */
export function synthStudyPanels(opts: SynthFigureOptions = {}): CropPanel[] {
  const size = opts.size ?? 'demo';
  const preset = synthPreset(size);
  const study = opts.study ?? 0;
  const level = opts.level ?? 3;
  if (!Number.isInteger(level) || level < 0 || level > 4) throw new UsageError(`synthStudyPanels: level must be 0..4, got ${level}`);
  const { plan, images } = renderStudy({ seed: opts.seed ?? 42, size, studies: Math.max(preset.studies, study + 1), testStudies: preset.testStudies }, study);
  const panels: CropPanel[] = [];
  const severity = (c: number) => SEVERITIES[plan.labels.trueClass[targetIndex(c, level)]];
  const show = (condition: number, title: string) => {
    const p = plan.points.find((q) => q.condition === CONDITIONS[condition] && q.level === LEVELS[level]);
    if (!p || p.seriesId === null) return;
    const se = plan.series.find((s) => s.seriesId === p.seriesId)!;
    const g = se.slices[p.sliceIndex];
    const onSlice = plan.points.filter((q) => q.seriesId === p.seriesId && q.sliceIndex === p.sliceIndex).map((q) => [q.x as number, q.y as number] as [number, number]);
    const image: NdArray = { data: mark(images.get(se.seriesId)![p.sliceIndex], g.rows, g.cols, onSlice), shape: [g.rows, g.cols], dtype: 'uint16' };
    panels.push({ image, title: `${title} (${LEVELS[level]}: ${severity(condition)})` });
  };
  show(0, `Synthetic ${plan.series.find((s) => s.description === 'Sagittal T2/STIR')?.weighting ?? 'T2'} mid-sagittal, SCS`);
  show(1, 'Synthetic T1 left parasagittal, NFN');
  show(3, 'Synthetic axial T2, SS');
  return panels;
}

/** A real SPIDER sagittal slice, turned head-up (the shared PNGs are stored upside down); null if absent. */
export function spiderPanel(file = '10015_8.png'): CropPanel | null {
  const shared = sharedDataDir();
  const path = shared ? join(shared, 'spider-lumbar', 'images', file) : '';
  if (!shared || !existsSync(path)) return null;
  const img = readSpiderImage(join(shared, 'spider-lumbar'), file);
  return { image: { data: img.data, shape: [img.height, img.width], dtype: 'uint8' }, title: `Real: SPIDER ${file.replace('.png', '')} (CC BY 4.0)` };
}

/**
 * The figure: the synthetic panels, then the real SPIDER slice when ../shared/data is present
 * (the title says so when it is not).
 */
export function synthVsSpiderFigure(opts: SynthFigureOptions = {}): Figure {
  const panels = synthStudyPanels(opts);
  const real = spiderPanel(opts.spiderImage);
  if (real) panels.push(real);
  return cropGrid(panels, {
    columns: panels.length,
    maxSize: opts.maxSize ?? 256,
    title: real
      ? 'Synthetic study (label points marked) beside a real lumbar MRI (SPIDER, van der Graaf et al. 2024)'
      : 'Synthetic study (label points marked); the real SPIDER slice needs ../shared/data',
  });
}
