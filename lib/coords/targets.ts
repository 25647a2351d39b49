/**
 * Coordinate targets from the competition's point labels (reference §4.1): per level, the mean
 * (x, y) over all conditions annotated at that level on the series (T1: left and right NFN; T2:
 * SCS), divided by the slice's width and height.
 */
import { LEVELS, type Level } from '../data/vocabulary.js';
import { missingKeypoints, type Keypoints } from './types.js';

/** The parts of a label point the targets need (x, y in native pixels). */
export interface LevelPoint {
  level: Level;
  x: number;
  y: number;
}

/**
 * Relative targets for one series of `width` × `height` pixels. Levels without a point stay NaN.
 * Porting note: the reference also averages z, which nothing uses; the image is always the
 * middle slice whatever slice the label is on (§11 item 11), and we keep that.
 */
export function targetsFromLabels(points: readonly LevelPoint[], width: number, height: number): Keypoints {
  const sum = new Float64Array(2 * LEVELS.length);
  const count = new Int32Array(LEVELS.length);
  for (const p of points) {
    const l = LEVELS.indexOf(p.level);
    if (l < 0 || !Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    sum[2 * l] += p.x;
    sum[2 * l + 1] += p.y;
    count[l]++;
  }
  const out = missingKeypoints();
  for (let l = 0; l < LEVELS.length; l++) {
    if (!count[l]) continue;
    out[2 * l] = sum[2 * l] / count[l] / width;
    out[2 * l + 1] = sum[2 * l + 1] / count[l] / height;
  }
  return out;
}
