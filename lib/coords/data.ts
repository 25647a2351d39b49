/**
 * Coordinates training images from prepared stacks (reference §4.1): the 8-bit middle slice of
 * every sagittal series with its per-level mean label point. Porting note: the reference keeps
 * labelled series only and writes PNGs; we keep every sagittal series in memory (unlabelled ones
 * get all-missing targets and are predicted, not trained on) and write nothing.
 */
import type { NdArray } from '../core/npy.js';
import type { OnProgress } from '../core/progress.js';
import type { LabelPoint } from '../data/tables.js';
import { isSagittal, type SagittalDescription } from '../data/vocabulary.js';
import { middleSliceU8 } from './image.js';
import { targetsFromLabels } from './targets.js';
import type { CoordsSample } from './types.js';

/** A series of a split, as listed by the preparation stage. */
export interface SeriesRef {
  studyId: number;
  seriesId: number;
  description: string;
}

/**
 * One sample per sagittal series of `series` (others are ignored), in the given order.
 * @param labels the split's label points (any series; matched on study and series)
 * @param loadStack the raw (slices × rows × cols) stack of a series
 */
export function coordsSamples(
  series: readonly SeriesRef[],
  labels: readonly LabelPoint[],
  loadStack: (studyId: number, seriesId: number) => NdArray,
  onProgress?: OnProgress,
): CoordsSample[] {
  const bySeries = new Map<string, LabelPoint[]>();
  for (const p of labels) {
    const key = `${p.studyId}_${p.seriesId}`;
    const list = bySeries.get(key);
    if (list) list.push(p);
    else bySeries.set(key, [p]);
  }
  const sagittal = series.filter((s) => isSagittal(s.description));
  return sagittal.map((s, i) => {
    const image = middleSliceU8(loadStack(s.studyId, s.seriesId));
    const target = targetsFromLabels(bySeries.get(`${s.studyId}_${s.seriesId}`) ?? [], image.width, image.height);
    onProgress?.({ label: 'coords images', done: i + 1, total: sagittal.length });
    return { source: 'competition' as const, studyId: s.studyId, seriesId: s.seriesId, description: s.description as SagittalDescription, image, target };
  });
}
