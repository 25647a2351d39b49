/**
 * Write a grayscale MR slice as a DICOM Part 10 file (explicit VR little endian, native pixels)
 * with dcmjs. Tests, benchmarks and synthetic studies use it to build series in the competition
 * layout; it writes exactly the header fields readSeries reads.
 */
import dcmjs from 'dcmjs';
import type { Vec3 } from './header.js';

export interface SliceSpec {
  /** rows × columns stored values; Int16Array → PixelRepresentation 1, Uint16Array → 0. */
  pixels: Int16Array | Uint16Array;
  rows: number;
  columns: number;
  instanceNumber: number;
  /** ImagePositionPatient, mm. */
  position: Vec3;
  /** ImageOrientationPatient: row then column direction cosines. */
  orientation: readonly number[];
  /** [row spacing, column spacing], mm. */
  pixelSpacing: [number, number];
  sliceThickness?: number;
  seriesDescription?: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid?: string;
  bitsStored?: number;
  photometricInterpretation?: 'MONOCHROME1' | 'MONOCHROME2';
  rescaleSlope?: number;
  rescaleIntercept?: number;
}

/** SOP class of MR images, and the transfer syntax every writer here uses. */
export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** File meta information (group 0002) of an MR image stored in Explicit VR Little Endian. */
export function mrFileMeta(sopInstanceUid: string, implementation: { classUid: string; versionName?: string }): Record<string, unknown> {
  return {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: MR_IMAGE_STORAGE,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: implementation.classUid,
    ...(implementation.versionName === undefined ? {} : { ImplementationVersionName: implementation.versionName }),
  };
}

/** DICOM requires decimal strings (DS) of at most 16 characters. */
const ds = (v: number) => {
  const s = String(Number(v.toPrecision(10)));
  return s.length <= 16 ? s : v.toExponential(8);
};

export function encodeDicom(s: SliceSpec): Uint8Array {
  if (s.pixels.length !== s.rows * s.columns) throw new Error(`encodeDicom: ${s.pixels.length} pixels for ${s.rows}×${s.columns}`);
  const { DicomMetaDictionary, DicomDict } = dcmjs.data;
  const sop = s.sopInstanceUid ?? `${s.seriesInstanceUid}.${s.instanceNumber}`;
  const meta = mrFileMeta(sop, { classUid: '1.2.826.0.1.3680043.10.1504.1' });
  const signed = s.pixels instanceof Int16Array;
  const bits = s.bitsStored ?? 16;
  const pixels = s.pixels.slice();
  const dataset: Record<string, unknown> = {
    SOPClassUID: MR_IMAGE_STORAGE,
    SOPInstanceUID: sop,
    StudyInstanceUID: s.studyInstanceUid,
    SeriesInstanceUID: s.seriesInstanceUid,
    Modality: 'MR',
    SeriesDescription: s.seriesDescription ?? '',
    InstanceNumber: s.instanceNumber,
    ImagePositionPatient: s.position.map(ds),
    ImageOrientationPatient: s.orientation.map(ds),
    PixelSpacing: s.pixelSpacing.map(ds),
    SliceThickness: ds(s.sliceThickness ?? 4),
    Rows: s.rows,
    Columns: s.columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: s.photometricInterpretation ?? 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: bits,
    HighBit: bits - 1,
    PixelRepresentation: signed ? 1 : 0,
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OW' },
  };
  if (s.rescaleSlope !== undefined) dataset.RescaleSlope = ds(s.rescaleSlope);
  if (s.rescaleIntercept !== undefined) dataset.RescaleIntercept = ds(s.rescaleIntercept);
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
