/**
 * Shared types of the coordinates stage.
 *
 * Coordinates are RELATIVE to the image unless a name says otherwise: u = x / W, v = y / H, with
 * x, y in native pixels of the slice (reference §4.1). Missing points are NaN (the reference's −1).
 */
import type { SagittalDescription } from '../data/vocabulary.js';
import type { Image } from '../image/index.js';

/** Number of disc levels (L1/L2 … L5/S1), one point each. */
export const N_POINTS = 5;
/** Values per keypoint array / model output row: (u, v) × 5. */
export const N_COORDS = 2 * N_POINTS;

/**
 * Five disc centres as [u_L1L2, v_L1L2, u_L2L3, v_L2L3, …] (length 10, LEVELS order), relative to
 * the image; a missing point has NaN in both slots.
 */
export type Keypoints = Float32Array;

/** Where a training image comes from. */
export type CoordsSource = 'competition' | 'spider';

/**
 * One image of the coordinates dataset: the middle slice of a sagittal series (competition or
 * synthetic), or an external SPIDER slice with derived landmarks.
 */
export interface CoordsSample {
  source: CoordsSource;
  /** Study id (competition); the SPIDER case number for external images. */
  studyId: number;
  /** Series id (competition); the SPIDER slice index for external images. */
  seriesId: number;
  /** `Sagittal T1` / `Sagittal T2/STIR`; `SPIDER` for external images. */
  description: SagittalDescription | 'SPIDER';
  /** 8-bit image at native size (the reference's middle-slice PNG). */
  image: Image<Uint8Array>;
  /** Ground truth (NaN where the level has no label, or everywhere for unlabelled series). */
  target: Keypoints;
}

/** Count of points present in a keypoint array. */
export function countPoints(kps: Keypoints): number {
  let n = 0;
  for (let p = 0; p < kps.length / 2; p++) if (Number.isFinite(kps[2 * p]) && Number.isFinite(kps[2 * p + 1])) n++;
  return n;
}

/** The relative centre [u, v] of `level` (0..4, LEVELS order); NaN where missing. */
export function keypoint(kps: ArrayLike<number>, level: number): [number, number] {
  return [kps[2 * level], kps[2 * level + 1]];
}

/** An all-missing keypoint array. */
export function missingKeypoints(): Keypoints {
  return new Float32Array(2 * N_POINTS).fill(NaN);
}
