/**
 * MR contrast of each tissue id (relative units, CSF on T2 = 1) for T1, T2 and STIR, a per-study
 * jitter of those values, smooth texture tiles and a shared table of Gaussian noise.
 */
import { Rng } from '../core/rng.js';
import { N_TISSUES, TISSUE } from './tissue.js';

export type Weighting = 'T1' | 'T2' | 'STIR';

const T = TISSUE;
/** [T1, T2, STIR] per tissue. Fat: bright on T1 and T2, dark on STIR; CSF: dark on T1. */
const BASE: Array<[number, [number, number, number]]> = [
  [T.AIR, [0, 0, 0]],
  [T.SKIN, [0.55, 0.5, 0.3]],
  [T.FAT, [1.0, 0.7, 0.07]],
  [T.MUSCLE, [0.32, 0.22, 0.2]],
  [T.ABDOMEN, [0.45, 0.5, 0.35]],
  [T.VESSEL, [0.05, 0.05, 0.05]],
  [T.MARROW, [0.66, 0.42, 0.13]],
  [T.CORTEX, [0.07, 0.05, 0.05]],
  [T.ANNULUS, [0.3, 0.14, 0.12]],
  [T.BULGE, [0.27, 0.11, 0.1]],
  [T.LIGAMENT, [0.1, 0.07, 0.07]],
  [T.FLAVUM, [0.24, 0.14, 0.14]],
  [T.CSF, [0.13, 1.0, 1.0]],
  [T.CORD, [0.42, 0.33, 0.35]],
  [T.ROOT, [0.36, 0.28, 0.3]],
  [T.EPIDURAL_FAT, [0.92, 0.62, 0.1]],
  [T.FORAMEN_FAT, [0.95, 0.65, 0.1]],
  [T.FORAMEN_ROOT, [0.3, 0.32, 0.35]],
  [T.FORAMEN_FIBROUS, [0.15, 0.12, 0.12]],
  [T.FACET, [0.1, 0.07, 0.07]],
  [T.FACET_MARROW, [0.55, 0.36, 0.12]],
  [T.FACET_FLUID, [0.2, 0.7, 0.8]],
  [T.POST_MARROW, [0.55, 0.36, 0.12]],
  [T.POST_CORTEX, [0.08, 0.06, 0.06]],
];

/** How strongly the texture modulates each tissue (abdomen: bowel loops; marrow: trabeculae). */
const TEXTURE: Array<[number, number]> = [
  [T.ABDOMEN, 0.55], [T.MARROW, 0.18], [T.POST_MARROW, 0.1], [T.FACET_MARROW, 0.1], [T.MUSCLE, 0.1], [T.FAT, 0.05],
];

export interface ContrastTable {
  weighting: Weighting;
  /** Intensity per tissue id. */
  value: Float32Array;
  /** Texture amplitude per tissue id. */
  texture: Float32Array;
}

/** A study's contrast for one weighting. `hydration[i]` sets disc i's nucleus brightness. */
export function contrastTable(rng: Rng, weighting: Weighting, hydration: readonly number[]): ContrastTable {
  const w = weighting === 'T1' ? 0 : weighting === 'T2' ? 1 : 2;
  const value = new Float32Array(N_TISSUES);
  for (const [id, v] of BASE) value[id] = v[w] * (id === T.AIR ? 0 : Math.max(0.3, 1 + 0.06 * rng.normal()));
  for (let i = 0; i < N_TISSUES - T.NUCLEUS; i++) {
    const h = hydration[i] ?? 0;
    value[T.NUCLEUS + i] = weighting === 'T1' ? 0.36 + 0.04 * h : 0.16 + 0.8 * h;
  }
  const texture = new Float32Array(N_TISSUES).fill(0.03);
  texture[T.AIR] = 0;
  for (const [id, amp] of TEXTURE) texture[id] = amp;
  return { weighting, value, texture };
}

export const TILE = 128;

/** A smooth random field on a TILE × TILE torus, values roughly in [−1, 1] (two octaves of value noise). */
export function textureTile(rng: Rng): Float32Array {
  const out = new Float32Array(TILE * TILE);
  for (const [cells, amp] of [[8, 0.65], [32, 0.35]] as const) {
    const grid = Array.from({ length: cells * cells }, () => rng.uniform(-1, 1));
    const at = (yy: number, xx: number) => grid[(yy % cells) * cells + (xx % cells)];
    const f = cells / TILE;
    for (let r = 0; r < TILE; r++) {
      const y0 = Math.floor(r * f);
      const wy = r * f - y0;
      for (let c = 0; c < TILE; c++) {
        const x0 = Math.floor(c * f);
        const wx = c * f - x0;
        const top = at(y0, x0) * (1 - wx) + at(y0, x0 + 1) * wx;
        const bot = at(y0 + 1, x0) * (1 - wx) + at(y0 + 1, x0 + 1) * wx;
        out[r * TILE + c] += amp * (top * (1 - wy) + bot * wy);
      }
    }
  }
  return out;
}

/** Length of the noise table: a power of two (readers wrap with a bit mask). */
export const NOISE_LEN = 1 << 20;

/** A table of standard-normal draws; slices read it from random offsets (fast Rician noise). */
export function noiseTable(seed: number): Float32Array {
  const rng = new Rng(seed ^ 0x5eed);
  const out = new Float32Array(NOISE_LEN);
  for (let i = 0; i < NOISE_LEN; i++) out[i] = rng.normal();
  return out;
}
