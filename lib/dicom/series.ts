/**
 * Read a series folder into one stack ordered in space.
 * Porting note (§11 item 10): the reference sorts sagittal series by ImagePositionPatient[0] and
 * axial ones by [2] with an unstable sort, and resizes odd slices with (rows, cols) swapped. We
 * project each position on the slice normal (cross product of the IOP direction cosines, sign
 * chosen so its largest component is positive), sort stably with ties broken by instance number,
 * record each slice's acquisition block, and resize odd slices to (rows, cols) the right way round.
 * For plain sagittal/axial series the order is the reference's: patient right → left, inferior →
 * superior.
 * This file is IO-free (the page bundle uses it on files the user drops); folder.ts reads a series
 * folder from disk with it.
 */
import { DicomError } from '../core/errors.js';
import type { NdArray, NpyArray, NpyDtype } from '../core/npy.js';
import type { DicomImage } from './decode.js';
import type { DicomHeader, Vec3 } from './header.js';
import { resizeBilinear } from './resample.js';

export interface SliceGeometry {
  instanceNumber: number;
  file: string;
  /** ImagePositionPatient, mm (patient LPS). */
  position: Vec3;
  /** ImageOrientationPatient: row direction cosines then column direction cosines. */
  orientation: [number, number, number, number, number, number];
  /** This slice's unit normal, largest component positive. */
  normal: Vec3;
  /** Position projected on the series normal, mm: the sort key. */
  projection: number;
  /** [row spacing, column spacing] in mm of the stored (possibly resampled) slice; null if absent. */
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  spacingBetweenSlices: number | null;
  /** Acquisition block (0 = first block in stack order); axial series often hold several. */
  block: number;
  /** [rows, cols] before resampling to the series' common shape, or null if not resampled. */
  resampledFrom: [number, number] | null;
}

export interface SeriesStack {
  dir: string;
  /** [slices, rows, cols], stored dtype (numpy promotion if slices differ), spatial order. */
  pixels: NdArray;
  /** Instance numbers in stack order (the reference's `frames`). */
  instanceNumbers: number[];
  geometry: SliceGeometry[];
  /** Unit series normal used for sorting (mean of the slice normals). */
  normal: Vec3;
  nBlocks: number;
  seriesDescription?: string;
}

const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** Unit vector with its largest-magnitude component made positive (sagittal → +x, axial → +z). */
export function canonicalNormal(v: Vec3): Vec3 {
  const len = Math.hypot(v[0], v[1], v[2]);
  let k = 0;
  for (let i = 1; i < 3; i++) if (Math.abs(v[i]) > Math.abs(v[k])) k = i;
  const s = (v[k] < 0 ? -1 : 1) / len;
  return [v[0] * s, v[1] * s, v[2] * s];
}

export function sliceNormal(iop: readonly number[]): Vec3 {
  return canonicalNormal(cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]));
}

/**
 * Tilt of an (oblique) axial slice from the true axial plane, degrees: the angle between its column
 * direction (IOP values 4–6) and the patient's posterior axis.
 */
export function axialTilt(orientation: readonly number[]): number {
  return (Math.acos(Math.min(1, Math.abs(orientation[4]))) * 180) / Math.PI;
}

/** The instance number of a file: its integer file name as in the competition layout, else the header's. */
function instanceNumberOf(file: string, h: DicomHeader): number {
  const stem = file.slice(file.lastIndexOf('/') + 1).replace(/\.dcm$/i, '');
  if (/^\d+$/.test(stem)) return Number(stem);
  if (h.instanceNumber !== undefined) return h.instanceNumber;
  throw new DicomError('no InstanceNumber (0020,0013) and the file name is not a number', { file });
}

/** Stable spatial order: projection rounded to 1 µm (so equal positions tie), then instance number. */
export function spatialOrder(projections: readonly number[], instanceNumbers: readonly number[]): number[] {
  const key = projections.map((p) => Math.round(p * 1000));
  return projections.map((_, i) => i).sort((a, b) => key[a] - key[b] || instanceNumbers[a] - instanceNumbers[b] || a - b);
}

/**
 * Acquisition blocks (an axial series often holds one stack per disc level): slices whose normals
 * differ by more than ~0.5° belong to different blocks, and within one orientation a block ends
 * where the gap to the next slice in stack order exceeds 1.5× the median gap. Instance numbers
 * are not used, so a shuffled numbering does not split a block. Ids follow stack order.
 */
export function findBlocks(normals: readonly Vec3[], projections: readonly number[], order: readonly number[]): number[] {
  const clusters: { normal: Vec3; members: number[] }[] = [];
  for (const i of order) {
    const c = clusters.find((k) => dot(k.normal, normals[i]) > 0.99996);
    if (c) c.members.push(i);
    else clusters.push({ normal: normals[i], members: [i] });
  }
  const raw = new Int32Array(normals.length);
  let label = 0;
  for (const { members } of clusters) {
    const gaps = members.slice(1).map((i, k) => projections[i] - projections[members[k]]);
    const median = gaps.length ? gaps.slice().sort((a, b) => a - b)[Math.floor(gaps.length / 2)] : 0;
    members.forEach((i, k) => {
      if (k > 0 && gaps[k - 1] > 1.5 * median + 0.1) label++;
      raw[i] = label;
    });
    label++;
  }
  const ids = new Map<number, number>();
  for (const i of order) if (!ids.has(raw[i])) ids.set(raw[i], ids.size);
  return Array.from(raw, (b) => ids.get(b)!);
}

const PROMOTE_ORDER: NpyDtype[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];
/** numpy's result dtype for stacking integer arrays of these dtypes (e.g. uint16 + int16 → int32). */
export function promoteDtypes(dtypes: readonly NpyDtype[]): NpyDtype {
  const set = new Set(dtypes);
  if (set.size === 1) return dtypes[0];
  if ([...set].some((d) => d.startsWith('float'))) return set.has('float64') || set.has('int32') || set.has('uint32') ? 'float64' : 'float32';
  const bits = (d: NpyDtype) => Number(d.replace(/\D/g, ''));
  const signed = [...set].some((d) => d.startsWith('int'));
  const maxUnsigned = Math.max(0, ...[...set].filter((d) => d.startsWith('uint')).map(bits));
  const maxSigned = Math.max(0, ...[...set].filter((d) => d.startsWith('int')).map(bits));
  if (!signed) return `uint${maxUnsigned}` as NpyDtype;
  const need = Math.max(maxSigned, maxUnsigned ? maxUnsigned * 2 : 0);
  if (need > 32) return 'float64';
  return PROMOTE_ORDER.find((d) => d.startsWith('int') && bits(d) >= need)!;
}

const MAKE: Record<NpyDtype, (n: number) => NpyArray> = {
  uint8: (n) => new Uint8Array(n), int8: (n) => new Int8Array(n), uint16: (n) => new Uint16Array(n), int16: (n) => new Int16Array(n),
  uint32: (n) => new Uint32Array(n), int32: (n) => new Int32Array(n), float32: (n) => new Float32Array(n), float64: (n) => new Float64Array(n),
};

/** One decoded slice of a series, checked, with what ordering needs. */
export interface SeriesSlice {
  file: string;
  h: DicomHeader;
  pixels: NdArray;
  instance: number;
  normal: Vec3;
}

/**
 * Check a decoded file as one slice of a series: single frame, with the position and orientation
 * that ordering in space needs. Throws a DicomError naming the file otherwise.
 */
export function seriesSlice(file: string, img: DicomImage): SeriesSlice {
  const h = img.header;
  if (h.numberOfFrames !== 1) throw new DicomError(`multi-frame file (${h.numberOfFrames} frames) in a series folder is not supported`, { file });
  if (!h.imagePositionPatient) throw new DicomError('no ImagePositionPatient (0020,0032): the series cannot be ordered in space', { file });
  if (!h.imageOrientationPatient) throw new DicomError('no ImageOrientationPatient (0020,0037): the series cannot be ordered in space', { file });
  const iop = h.imageOrientationPatient;
  if (Math.hypot(...cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]])) < 1e-3) throw new DicomError(`degenerate ImageOrientationPatient ${iop.join('\\')}`, { file });
  return { file, h, pixels: img.pixels, instance: instanceNumberOf(file, h), normal: sliceNormal(iop) };
}

/** Order the slices of one series in space and stack them (`dir` names the series in the result). */
export function stackSlices(dir: string, slices: readonly SeriesSlice[]): SeriesStack {
  if (!slices.length) throw new DicomError('no DICOM files in series folder', { file: dir });
  const mean: Vec3 = [0, 0, 0];
  for (const s of slices) for (let k = 0; k < 3; k++) mean[k] += s.normal[k];
  const normal = canonicalNormal(mean);
  const projections = slices.map((s) => dot(s.h.imagePositionPatient!, normal));
  const instances = slices.map((s) => s.instance);
  const order = spatialOrder(projections, instances);
  const blocks = findBlocks(slices.map((s) => s.normal), projections, order);

  // Common shape = the most frequent (rows, cols); ties go to the first in stack order.
  const counts = new Map<string, number>();
  for (const i of order) { const k = `${slices[i].h.rows}x${slices[i].h.columns}`; counts.set(k, (counts.get(k) ?? 0) + 1); }
  let best = '';
  for (const [k, c] of counts) if (!best || c > counts.get(best)!) best = k;
  const [rows, cols] = best.split('x').map(Number);
  const dtype = promoteDtypes(slices.map((s) => s.pixels.dtype));
  const out = MAKE[dtype](order.length * rows * cols);
  const geometry: SliceGeometry[] = order.map((i, z) => {
    const s = slices[i];
    const { rows: r, columns: c } = s.h;
    const target = out.subarray(z * rows * cols, (z + 1) * rows * cols);
    const odd = r !== rows || c !== cols;
    if (odd) resizeBilinear(s.pixels.data, r, c, target, rows, cols);
    else target.set(s.pixels.data);
    const ps = s.h.pixelSpacing;
    return {
      instanceNumber: s.instance,
      file: s.file,
      position: s.h.imagePositionPatient!,
      orientation: s.h.imageOrientationPatient!,
      normal: s.normal,
      projection: projections[i],
      // Resampling stretches the pixel grid: spacing scales by old size / new size.
      pixelSpacing: ps ? (odd ? [(ps[0] * r) / rows, (ps[1] * c) / cols] : ps) : null,
      sliceThickness: s.h.sliceThickness ?? null,
      spacingBetweenSlices: s.h.spacingBetweenSlices ?? null,
      block: blocks[i],
      resampledFrom: odd ? [r, c] : null,
    };
  });
  return {
    dir,
    pixels: { data: out, shape: [order.length, rows, cols], dtype },
    instanceNumbers: geometry.map((g) => g.instanceNumber),
    geometry,
    normal,
    nBlocks: new Set(blocks).size,
    seriesDescription: slices[0].h.seriesDescription,
  };
}
