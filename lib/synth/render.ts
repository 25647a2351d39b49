/**
 * Slice rendering: DICOM geometry → spine coordinates → tissue map → MR image (contrast, texture,
 * partial-volume blur, coil bias field, Rician noise, 16-bit scaling).
 *
 * Two plane families are supported, which covers what the competition's series look like:
 * sagittal (rows and columns in the patient's y–z plane, so one (s, d) map serves every slice of a
 * series) and axial / oblique-axial (rows along patient x, so (s, d) depends on the row only).
 */
import { UsageError } from '../core/errors.js';
import type { ImagePlane, Vec3 } from '../dicom/header.js';
import { gaussianBlur } from '../image/index.js';
import { lutIndex, toSpine, type Anatomy } from './anatomy.js';
import { NOISE_LEN, TILE, type ContrastTable } from './contrast.js';
import { TISSUE, tissueAt } from './tissue.js';

export type Plane = 'sagittal' | 'axial';

export function planeOf(g: ImagePlane): Plane {
  const [rx, ry, rz, cx] = g.orientation;
  if (Math.abs(rx) < 1e-9 && Math.abs(cx) < 1e-9) return 'sagittal';
  if (Math.abs(ry) < 1e-9 && Math.abs(rz) < 1e-9) return 'axial';
  throw new UsageError(`synthetic renderer supports sagittal and (oblique) axial planes, got orientation ${g.orientation.join(',')}`);
}

/** Spine coordinates per pixel (sagittal) or per row (axial). */
interface SpineMap {
  s: Float32Array;
  d: Float32Array;
  ok: Uint8Array;
  xShift: Float32Array;
}

function spineMap(a: Anatomy, g: ImagePlane, plane: Plane): SpineMap {
  const n = plane === 'sagittal' ? g.rows * g.cols : g.rows;
  const m: SpineMap = { s: new Float32Array(n), d: new Float32Array(n), ok: new Uint8Array(n), xShift: new Float32Array(n) };
  const [, ry, rz, , cy, cz] = g.orientation;
  const [dr, dc] = g.pixelSpacing;
  const out = { s: 0, d: 0, ok: true };
  let rowStart = 0;
  for (let r = 0; r < g.rows; r++) {
    let guess = rowStart;
    const ncols = plane === 'sagittal' ? g.cols : 1;
    for (let c = 0; c < ncols; c++) {
      const y = g.position[1] + c * dc * ry + r * dr * cy;
      const z = g.position[2] + c * dc * rz + r * dr * cz;
      toSpine(a, y, z, guess, out);
      const p = r * ncols + c;
      m.s[p] = out.s;
      m.d[p] = out.d;
      m.ok[p] = out.ok ? 1 : 0;
      m.xShift[p] = a.lut.xShift[lutIndex(a.lut, out.s)];
      if (out.ok) guess = out.s;
      if (c === 0 && out.ok) rowStart = out.s;
    }
  }
  return m;
}

/** Where Newton's foot point is meaningless (far behind the curve's centre): air behind, belly in front. */
const outside = (d: number) => (d > 0 || d < -170 ? TISSUE.AIR : TISSUE.ABDOMEN);

/**
 * Tissue ids of a slice (rows × cols, row-major). Slices of one sagittal series share their
 * (s, d) map: pass the same `cache` object to reuse it.
 */
export function tissueSlice(a: Anatomy, g: ImagePlane, cache?: { key?: string; map?: SpineMap }): Uint8Array {
  const plane = planeOf(g);
  const key = plane === 'sagittal' ? `${g.rows}x${g.cols}:${g.position[1]},${g.position[2]}:${g.pixelSpacing}:${g.orientation}` : '';
  let map: SpineMap;
  if (cache && plane === 'sagittal' && cache.key === key && cache.map) map = cache.map;
  else {
    map = spineMap(a, g, plane);
    if (cache && plane === 'sagittal') Object.assign(cache, { key, map });
  }
  const out = new Uint8Array(g.rows * g.cols);
  const x0 = g.position[0] - a.origin.x;
  if (plane === 'sagittal') {
    for (let p = 0; p < out.length; p++) out[p] = map.ok[p] ? tissueAt(a, map.s[p], map.d[p], x0 - map.xShift[p]) : outside(map.d[p]);
  } else {
    const dx = g.pixelSpacing[1] * g.orientation[0];
    for (let r = 0; r < g.rows; r++) {
      const s = map.s[r];
      const d = map.d[r];
      const base = r * g.cols;
      if (!map.ok[r]) {
        out.fill(outside(d), base, base + g.cols);
        continue;
      }
      const xr = x0 - map.xShift[r];
      for (let c = 0; c < g.cols; c++) out[base + c] = tissueAt(a, s, d, xr + c * dx);
    }
  }
  return out;
}

/** Acquisition settings of a series' images. */
export interface ImageSettings {
  contrast: ContrastTable;
  tile: Float32Array;
  noiseTable: Float32Array;
  /** Noise σ relative to CSF on T2 (= 1). */
  noise: number;
  /** Stored value of intensity 1. */
  scale: number;
  /** Multiplicative coil sensitivity, rows × cols. */
  bias: Float32Array;
}

/** Coil bias: brighter posteriorly (the spine array coil lies under the patient's back). */
export function biasField(g: ImagePlane, plane: Plane, beta: number, gamma: number): Float32Array {
  const out = new Float32Array(g.rows * g.cols);
  for (let r = 0; r < g.rows; r++) {
    const v = r / Math.max(g.rows - 1, 1) - 0.5;
    for (let c = 0; c < g.cols; c++) {
      const u = c / Math.max(g.cols - 1, 1) - 0.5;
      out[r * g.cols + c] = plane === 'sagittal'
        ? Math.exp(beta * u) * (1 + gamma * v)
        : Math.exp(beta * v) * (1 - Math.abs(gamma) * 4 * u * u);
    }
  }
  return out;
}

/**
 * The stored 16-bit image of a slice from its tissue map. `texOffset` and `noiseOffset` pick where
 * this slice reads the texture tile and the noise table.
 */
export function imageFromTissue(tissue: Uint8Array, g: ImagePlane, st: ImageSettings, texOffset: [number, number], noiseOffset: number): Uint16Array {
  const { rows, cols } = g;
  const n = rows * cols;
  const v = new Float32Array(n);
  const { value, texture } = st.contrast;
  const fr = g.pixelSpacing[0] / 1.6;
  const fc = g.pixelSpacing[1] / 1.6;
  const tcol = new Int32Array(cols);
  for (let c = 0; c < cols; c++) tcol[c] = (Math.floor(c * fc + texOffset[1]) & (TILE - 1));
  for (let r = 0; r < rows; r++) {
    const trow = (Math.floor(r * fr + texOffset[0]) & (TILE - 1)) * TILE;
    for (let c = 0; c < cols; c++) {
      const p = r * cols + c;
      const t = tissue[p];
      v[p] = value[t] * (1 + texture[t] * st.tile[trow + tcol[c]]);
    }
  }
  // Partial volume and the scanner's point spread: the [1, 2, 1]/4 kernel, edge pixels repeated.
  const blurred = gaussianBlur({ data: v, channels: 1, height: rows, width: cols }, 3, 0, 'replicate').data;
  const out = new Uint16Array(n);
  const sigma = st.noise * st.scale;
  const tab = st.noiseTable;
  const bias = st.bias;
  const scale = st.scale;
  const mask = NOISE_LEN - 1; // a power of two: the read position wraps around the table
  let q = noiseOffset >>> 0;
  for (let p = 0; p < n; p++, q += 2) {
    const re = blurred[p] * bias[p] * scale + sigma * tab[q & mask];
    const im = sigma * tab[(q + 1) & mask];
    const m = Math.sqrt(re * re + im * im) + 0.5;
    out[p] = m >= 65535 ? 65535 : m | 0;
  }
  return out;
}

/** Pixel (column, row) and signed distance from the plane (mm) of a patient point, for a slice. */
export function patientToPixel(g: ImagePlane, p: Vec3): { col: number; row: number; offPlane: number } {
  const [rx, ry, rz, cx, cy, cz] = g.orientation;
  const dx = p[0] - g.position[0];
  const dy = p[1] - g.position[1];
  const dz = p[2] - g.position[2];
  const nx = ry * cz - rz * cy;
  const ny = rz * cx - rx * cz;
  const nz = rx * cy - ry * cx;
  return {
    col: (dx * rx + dy * ry + dz * rz) / g.pixelSpacing[1],
    row: (dx * cx + dy * cy + dz * cz) / g.pixelSpacing[0],
    offPlane: dx * nx + dy * ny + dz * nz,
  };
}
