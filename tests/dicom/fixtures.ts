/** Generated DICOM series for the series and preparation tests (written with lib/dicom/write.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
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

/** A smooth 8-bit test image with a bright disc, as MR slices look at a coarse scale. */
export function phantom(w: number, h: number): Uint8Array {
  return Uint8Array.from({ length: w * h }, (_, i) => {
    const x = i % w, y = Math.floor(i / w);
    const r = Math.hypot(x - w / 2, y - h / 2);
    return Math.round(40 + x + y / 2 + (r < h / 4 ? 90 : 0) * Math.min(1, (h / 4 - r) / 2));
  });
}

/** A grayscale JPEG baseline/extended DICOM of an 8-bit image, encoded with libjpeg-turbo. */
export async function jpegDicom(img: Uint8Array, w: number, h: number, syntax: string, quality: number): Promise<Uint8Array> {
  const lj = await createRequire(import.meta.url)('@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs')();
  const enc = new lj.JPEGEncoder();
  enc.getDecodedBuffer({ width: w, height: h, bitsPerSample: 8, componentCount: 1, isSigned: false }).set(img);
  enc.setQuality(quality);
  enc.encode();
  const jpg: Uint8Array = enc.getEncodedBuffer().slice();
  enc.delete();
  const { DicomMetaDictionary, DicomDict } = dcmjs.data;
  const uid = '1.2.826.0.1.3680043.10.1504.99.1';
  const meta = { FileMetaInformationVersion: new Uint8Array([0, 1]).buffer, MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.4', MediaStorageSOPInstanceUID: uid, TransferSyntaxUID: syntax, ImplementationClassUID: '1.2.3' };
  const ds = { SOPClassUID: '1.2.840.10008.5.1.4.1.1.4', SOPInstanceUID: uid, Rows: h, Columns: w, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: [jpg.buffer], _vrMap: { PixelData: 'OB' } };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return new Uint8Array(dict.write({ fragmentMultiframe: false }));
}
