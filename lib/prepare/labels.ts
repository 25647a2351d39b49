/**
 * Label points → stack slices: z = position of the point's instance in the stack order (the
 * reference's get_coords, §3.1), so later stages never look at instance numbers again.
 * Porting note: the reference keeps x, y in native pixels even where a slice was resized; we
 * move them onto the resampled grid (pixel centres aligned, as the resize does).
 */
import type { LabelPoint } from '../data/tables.js';

/** The parts of a prepared series the mapping needs (sidecars and PreparedSeries both fit). */
export interface StackFrames {
  studyId: number;
  seriesId: number;
  frames: readonly number[];
  shape: readonly number[];
  geometry: ReadonlyArray<{ resampledFrom: readonly [number, number] | readonly number[] | null }>;
}

export interface MappedLabel extends LabelPoint {
  /** Index of the annotated slice in the stack, −1 if it cannot be mapped (see `problem`). */
  z: number;
  problem?: string;
}

export function mapLabels(points: readonly LabelPoint[], stacks: readonly StackFrames[]): MappedLabel[] {
  const byKey = new Map(stacks.map((s) => [`${s.studyId}/${s.seriesId}`, s]));
  return points.map((p) => {
    const s = byKey.get(`${p.studyId}/${p.seriesId}`);
    if (!s) return { ...p, z: -1, problem: 'series not prepared (missing or failed)' };
    const z = s.frames.indexOf(p.instanceNumber);
    if (z < 0) return { ...p, z: -1, problem: `instance ${p.instanceNumber} is not in the series` };
    const from = s.geometry[z].resampledFrom;
    if (!from) return { ...p, z };
    const [rows, cols] = [s.shape[1], s.shape[2]];
    return { ...p, z, x: ((p.x + 0.5) * cols) / from[1] - 0.5, y: ((p.y + 0.5) * rows) / from[0] - 0.5 };
  });
}
