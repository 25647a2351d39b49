/** Generated DICOM series for the series and preparation tests (written with lib/dicom/write.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeDicom, type SliceSpec } from '../../lib/dicom/index.js';

import type { Vec3 } from '../../lib/dicom/header.js';

export type { Vec3 };

/** Unit vector of `v`. */
export const unit = (v: Vec3): Vec3 => { const n = Math.hypot(...v); return [v[0] / n, v[1] / n, v[2] / n]; };

/** IOP of a slice tilted by `deg` about patient x: axial (deg = 0) rows along +x, columns along +y. */
export function axialIop(deg: number): number[] {
  const t = (deg * Math.PI) / 180;
  return [1, 0, 0, 0, Math.cos(t), -Math.sin(t)];
}
/** Sagittal IOP as scanners write it: rows along +y (anterior → posterior), columns along −z. */
export const SAGITTAL_IOP = [0, 1, 0, 0, 0, -1];

export interface GeneratedSlice {
  instanceNumber: number;
  position: Vec3;
  orientation?: number[];
  rows?: number;
  columns?: number;
  /** Every pixel of the slice gets this value (so the stack order can be read from the pixels). */
  value?: number;
  pixels?: Int16Array;
}

/** Write one `{instance}.dcm` per slice into `dir` (the competition layout's series folder). */
export function writeSeries(dir: string, slices: GeneratedSlice[], common: Partial<SliceSpec> = {}): void {
  mkdirSync(dir, { recursive: true });
  for (const s of slices) {
    const rows = s.rows ?? 12, columns = s.columns ?? 16;
    const pixels = s.pixels ?? new Int16Array(rows * columns).fill(s.value ?? s.instanceNumber);
    writeFileSync(join(dir, `${s.instanceNumber}.dcm`), encodeDicom({
      pixels, rows, columns,
      instanceNumber: s.instanceNumber,
      position: s.position,
      orientation: s.orientation ?? SAGITTAL_IOP,
      pixelSpacing: [0.5, 0.5],
      studyInstanceUid: '1.2.826.0.1.3680043.10.1504.1',
      seriesInstanceUid: `1.2.826.0.1.3680043.10.1504.1.${dir.length}`,
      ...common,
    }));
  }
}
