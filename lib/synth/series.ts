/**
 * Series planning: which series a study has (at the real rates), their geometry (DICOM terms,
 * rounded to what the files store, so the renderer and the files agree exactly), and the order of
 * their instance numbers.
 */
import { Rng } from '../core/rng.js';
import type { ImagePlane, Vec3 } from '../dicom/header.js';
import { discOfLevel, lutIndex, toPatient, type Anatomy } from './anatomy.js';
import { SERIES_COUNTS } from './label-model-params.js';
import type { SynthPreset } from './presets.js';

const r4 = (v: number) => Math.round(v * 1e4) / 1e4 + 0;
const r6 = (v: number) => Math.round(v * 1e6) / 1e6 + 0;

/** Draw a count from a histogram such as SERIES_COUNTS['Axial T2'] ({count: studies}). */
function drawCount(rng: Rng, hist: Readonly<Record<string, number>>): number {
  const entries = Object.entries(hist);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  let u = rng.random() * total;
  for (const [k, n] of entries) {
    u -= n;
    if (u < 0) return Number(k);
  }
  return Number(entries[entries.length - 1][0]);
}

export interface SeriesCounts {
  t1: number;
  t2: number;
  axial: number;
}

export function drawSeriesCounts(rng: Rng): SeriesCounts {
  return {
    t1: drawCount(rng, SERIES_COUNTS['Sagittal T1']),
    t2: drawCount(rng, SERIES_COUNTS['Sagittal T2/STIR']),
    axial: drawCount(rng, SERIES_COUNTS['Axial T2']),
  };
}

/** The geometry of a series' slices, in spatial order (sagittal: right → left; axial: caudal → cranial). */
export interface SeriesGeometry {
  slices: ImagePlane[];
  sliceThickness: number;
  spacingBetweenSlices: number;
  /** Axial only: the level (0..4) each slice was placed for. */
  sliceLevel?: number[];
}

function imageSize(rng: Rng, sizes: readonly number[], nonSquareRate: number): [number, number] {
  const n = rng.choice(sizes);
  return rng.random() < nonSquareRate ? [n, Math.round((n * 7) / 8 / 16) * 16] : [n, n];
}

/** A sagittal stack centred on the lumbar spine (the middle slice near the midline). */
export function sagittalGeometry(rng: Rng, a: Anatomy, p: SynthPreset): SeriesGeometry {
  const [rows, cols] = imageSize(rng, p.sagittalSizes, p.nonSquareRate);
  const fov = rng.uniform(p.sagittalFov[0], p.sagittalFov[1]);
  const px = r6(fov / rows);
  const n = rng.int(p.sagittalSlices[0], p.sagittalSlices[1]);
  const spacing = r4(rng.uniform(p.sagittalSpacing[0], p.sagittalSpacing[1]));
  const thickness = r4(spacing - rng.uniform(0, 0.5));
  // Centre between L3 and L4, a little behind the vertebral bodies, plus a random shift.
  const sC = (a.vBot[4] + a.vTop[5]) / 2 + rng.uniform(-0.06, 0.06) * fov;
  const c = toPatient(a, sC, rng.uniform(-5, 20) + 0.0, 0);
  const xMid = a.origin.x + a.lut.xShift[lutIndex(a.lut, a.discMid[4])] + rng.uniform(-0.35, 0.35) * spacing;
  const y0 = c[1] - ((cols - 1) / 2) * px;
  const z0 = c[2] + ((rows - 1) / 2) * px;
  const slices: ImagePlane[] = [];
  for (let i = 0; i < n; i++) {
    slices.push({
      rows, cols,
      position: [r4(xMid + (i - (n - 1) / 2) * spacing), r4(y0), r4(z0)],
      orientation: [0, 1, 0, 0, 0, -1],
      pixelSpacing: [px, px],
    });
  }
  return { slices, sliceThickness: thickness, spacingBetweenSlices: spacing };
}

/**
 * Axial slices through the given levels: either blocks of slices parallel to each disc (the usual
 * lumbar protocol), or one continuous stack perpendicular to the table.
 */
export function axialGeometry(rng: Rng, a: Anatomy, p: SynthPreset, levels: readonly number[], continuous: boolean): SeriesGeometry {
  const [rows, cols] = imageSize(rng, p.axialSizes, p.nonSquareRate);
  const fov = rng.uniform(p.axialFov[0], p.axialFov[1]);
  const px = r6(fov / rows);
  const spacing = r4(rng.uniform(p.axialSpacing[0], p.axialSpacing[1]));
  const thickness = r4(spacing - rng.uniform(0, 0.5));
  const dCentre = rng.uniform(-12, 4);
  const shift: Vec3 = [rng.uniform(-0.05, 0.05) * fov, rng.uniform(-0.05, 0.05) * fov, 0];
  const slices: ImagePlane[] = [];
  const sliceLevel: number[] = [];
  const place = (centre: Vec3, theta: number, level: number) => {
    const col: Vec3 = [0, r6(Math.cos(theta)), r6(Math.sin(theta))];
    slices.push({
      rows, cols,
      position: [
        r4(centre[0] + shift[0] - ((cols - 1) / 2) * px),
        r4(centre[1] + shift[1] - ((rows - 1) / 2) * px * col[1]),
        r4(centre[2] - ((rows - 1) / 2) * px * col[2]),
      ],
      orientation: [1, 0, 0, 0, col[1], col[2]],
      pixelSpacing: [px, px],
    });
    sliceLevel.push(level);
  };
  if (continuous) {
    const top = toPatient(a, a.discMid[discOfLevel(levels[0])] - 18, dCentre, 0);
    const bottom = toPatient(a, a.discMid[discOfLevel(levels[levels.length - 1])] + 12, dCentre, 0);
    const n = Math.max(2, Math.round((top[2] - bottom[2]) / spacing) + 1);
    for (let i = 0; i < n; i++) {
      const z = bottom[2] + i * spacing;
      const nearest = levels.reduce((b, l) => (Math.abs(toPatient(a, a.discMid[discOfLevel(l)], 0, 0)[2] - z) < Math.abs(toPatient(a, a.discMid[discOfLevel(b)], 0, 0)[2] - z) ? l : b), levels[0]);
      place([a.origin.x, (top[1] + bottom[1]) / 2, z], 0, nearest);
    }
  } else {
    const m = rng.int(p.axialPerLevel[0], p.axialPerLevel[1]);
    for (let li = levels.length - 1; li >= 0; li--) {
      const level = levels[li];
      const s = a.discMid[discOfLevel(level)];
      const theta = a.lut.theta[lutIndex(a.lut, s)] + (rng.normal(0, 2.5) * Math.PI) / 180;
      const centre = toPatient(a, s, dCentre, 0);
      const up: Vec3 = [0, -Math.sin(theta), Math.cos(theta)];
      const offset = rng.uniform(-0.3, 0.3);
      for (let j = 0; j < m; j++) {
        const t = (j - (m - 1) / 2 + offset) * spacing;
        place([centre[0], centre[1] + t * up[1], centre[2] + t * up[2]], theta, level);
      }
    }
  }
  return { slices, sliceThickness: thickness, spacingBetweenSlices: spacing, sliceLevel };
}

export type InstanceScheme = 'ascending' | 'descending' | 'offset' | 'interleaved' | 'shuffled';

/**
 * Instance numbers for slices in spatial order. Most series number them in order, some backwards,
 * from an offset, interleaved (odd slices acquired first) or in no spatial order at all, so a
 * reader must sort by position, never by instance number.
 */
export function instanceNumbers(rng: Rng, n: number, forced?: InstanceScheme): { scheme: InstanceScheme; numbers: number[] } {
  const u = rng.random();
  const scheme: InstanceScheme = forced ?? (u < 0.55 ? 'ascending' : u < 0.75 ? 'descending' : u < 0.85 ? 'offset' : u < 0.95 ? 'interleaved' : 'shuffled');
  const idx = Array.from({ length: n }, (_, i) => i);
  let numbers: number[];
  if (scheme === 'ascending') numbers = idx.map((i) => i + 1);
  else if (scheme === 'descending') numbers = idx.map((i) => n - i);
  else if (scheme === 'offset') {
    const off = rng.int(1, 40);
    numbers = idx.map((i) => i + 1 + off);
  } else if (scheme === 'interleaved') {
    const half = Math.ceil(n / 2);
    numbers = idx.map((i) => (i % 2 === 0 ? i / 2 + 1 : half + (i - 1) / 2 + 1));
  } else numbers = rng.shuffle(idx).map((i) => i + 1);
  return { scheme, numbers };
}
