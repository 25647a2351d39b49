/**
 * Parse a DICOM Part 10 file (or a bare dataset) with dicom-parser and read the header fields the
 * pipeline uses, typed. dicom-parser throws strings and `{exception, dataSet}` objects; every
 * failure here becomes a DicomError naming the file.
 */
import type { DataSet } from 'dicom-parser';
import { DicomError } from '../core/errors.js';
import { dicomParser } from './runtime.js';

/** A point or direction in patient coordinates (LPS), mm. */
export type Vec3 = [number, number, number];

/**
 * Where one slice's pixels lie in the patient: the DICOM Image Plane fields a writer sets (the
 * synthetic studies) and a reader finds in the header. A read series' `SliceGeometry` adds what
 * ordering the series learns (normal, projection, block).
 */
export interface ImagePlane {
  rows: number;
  cols: number;
  /** Image Position (Patient): centre of the first pixel, mm. */
  position: Vec3;
  /** Image Orientation (Patient): row direction (increasing column), then column direction. */
  orientation: [number, number, number, number, number, number];
  /** Pixel Spacing: [between rows, between columns], mm. */
  pixelSpacing: [number, number];
}

export interface DicomHeader {
  /** Path (or label) of the file, for messages. */
  file: string;
  transferSyntaxUid: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  modality?: string;
  seriesDescription?: string;
  instanceNumber?: number;
  /** (0020,0032) position of the first transmitted pixel, mm, patient LPS. */
  imagePositionPatient?: Vec3;
  /** (0020,0037) direction cosines of the row (first 3) and column (last 3) directions. */
  imageOrientationPatient?: [number, number, number, number, number, number];
  /** (0028,0030) [between rows, between columns], mm. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  /** (0018,0081) / (0018,0080) / (0018,0082), ms: what the weighting of an MR series is read from. */
  echoTime?: number;
  repetitionTime?: number;
  inversionTime?: number;
  /** (0018,0020), e.g. "SE", "IR" (STIR is an inversion-recovery sequence). */
  scanningSequence?: string;
  /** (0028,1050) / (0028,1051): the first display window the file suggests, in stored units. */
  windowCenter?: number;
  windowWidth?: number;
  rows: number;
  columns: number;
  numberOfFrames: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  photometricInterpretation: string;
  /** Default 1 and 0 where absent (MR files usually omit them). */
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Pixel data element present: (7FE0,0010), or float/double pixel data. */
  pixelTag?: 'x7fe00010' | 'x7fe00008' | 'x7fe00009';
}

export interface ParsedDicom {
  header: DicomHeader;
  dataSet: DataSet;
}

const TAG = {
  transferSyntax: 'x00020010',
  studyUid: 'x0020000d',
  seriesUid: 'x0020000e',
  sopUid: 'x00080018',
  modality: 'x00080060',
  seriesDescription: 'x0008103e',
  instanceNumber: 'x00200013',
  position: 'x00200032',
  orientation: 'x00200037',
  pixelSpacing: 'x00280030',
  sliceThickness: 'x00180050',
  spacingBetweenSlices: 'x00180088',
  echoTime: 'x00180081',
  repetitionTime: 'x00180080',
  inversionTime: 'x00180082',
  scanningSequence: 'x00180020',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  highBit: 'x00280102',
  pixelRepresentation: 'x00280103',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
} as const;

/** Message of anything dicom-parser throws (Error, string, or `{exception, dataSet}`). */
function parserMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'exception' in e) return parserMessage((e as { exception: unknown }).exception);
  return String(e);
}

/**
 * A file without the 128-byte preamble and "DICM" (pydicom's force=True case): if it starts with a
 * group 0008 element, guess its encoding from the first element; otherwise it is not DICOM.
 */
function guessRawSyntax(bytes: Uint8Array): string | undefined {
  if (bytes.length < 8) return undefined;
  const le = bytes[0] | (bytes[1] << 8);
  const be = (bytes[0] << 8) | bytes[1];
  const isVr = (i: number) => bytes[i] >= 65 && bytes[i] <= 90 && bytes[i + 1] >= 65 && bytes[i + 1] <= 90;
  if (le === 0x0008) return isVr(4) ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2';
  if (be === 0x0008 && isVr(4)) return '1.2.840.10008.1.2.2';
  return undefined;
}

/**
 * Parse bytes into a dataset and typed header. `headerOnly` stops before the pixel data
 * (fast series sorting). In Node the bytes are wrapped as a Buffer (the deflated syntax needs one);
 * in a browser, where there is no Buffer (nor an inflater), the deflated syntax is refused.
 */
export function parseDicom(bytes: Uint8Array, file: string, headerOnly = false): ParsedDicom {
  const buf = typeof Buffer === 'undefined' || Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const options: { untilTag?: string; TransferSyntaxUID?: string } = headerOnly ? { untilTag: 'x7fe00010' } : {};
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(buf, options);
  } catch (e) {
    const msg = parserMessage(e);
    const raw = /DICM prefix not found/.test(msg) ? guessRawSyntax(buf) : undefined;
    if (!raw) throw new DicomError(`not a readable DICOM file (${msg})`, { file });
    try {
      dataSet = dicomParser.parseDicom(buf, { ...options, TransferSyntaxUID: raw });
    } catch (e2) {
      throw new DicomError(`not a readable DICOM file (no DICM prefix; as a bare ${raw} dataset: ${parserMessage(e2)})`, { file });
    }
  }
  return { header: readHeader(dataSet, file), dataSet };
}

function numbers(ds: DataSet, tag: string, n: number): number[] | undefined {
  if (!ds.elements[tag] || (ds.numStringValues(tag) ?? 0) < n) return undefined;
  const out = Array.from({ length: n }, (_, i) => ds.floatString(tag, i) ?? NaN);
  return out.every(Number.isFinite) ? out : undefined;
}

function optionalNumber(ds: DataSet, tag: string): number | undefined {
  if (!ds.elements[tag] || ds.elements[tag].length === 0) return undefined;
  const v = ds.floatString(tag);
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

function optionalString(ds: DataSet, tag: string): string | undefined {
  const s = ds.elements[tag] ? ds.string(tag) : undefined;
  return s === undefined || s === '' ? undefined : s;
}

export function readHeader(ds: DataSet, file: string): DicomHeader {
  const transferSyntaxUid = optionalString(ds, TAG.transferSyntax);
  if (!transferSyntaxUid) throw new DicomError('the file meta information has no TransferSyntaxUID (0002,0010)', { file });
  const us = (tag: string, fallback: number) => (ds.elements[tag]?.length ? ds.uint16(tag) ?? fallback : fallback);
  // IS values are parsed strictly: dicom-parser's parseInt would read "1A" as 1.
  const framesText = ds.elements[TAG.numberOfFrames]?.length ? ds.string(TAG.numberOfFrames) ?? '' : '1';
  if (!/^[+]?\d+$/.test(framesText.trim()) || Number(framesText) < 1) {
    throw new DicomError(`NumberOfFrames (0028,0008) "${framesText}" is not a positive integer`, { file });
  }
  const bitsAllocated = us(TAG.bitsAllocated, 0);
  const bitsStored = us(TAG.bitsStored, bitsAllocated);
  const pixelTag = (['x7fe00010', 'x7fe00008', 'x7fe00009'] as const).find((t) => ds.elements[t]);
  const instance = ds.elements[TAG.instanceNumber]?.length ? ds.intString(TAG.instanceNumber) : undefined;
  return {
    file,
    transferSyntaxUid,
    studyInstanceUid: optionalString(ds, TAG.studyUid),
    seriesInstanceUid: optionalString(ds, TAG.seriesUid),
    sopInstanceUid: optionalString(ds, TAG.sopUid),
    modality: optionalString(ds, TAG.modality),
    seriesDescription: optionalString(ds, TAG.seriesDescription),
    instanceNumber: instance !== undefined && Number.isFinite(instance) ? instance : undefined,
    imagePositionPatient: numbers(ds, TAG.position, 3) as Vec3 | undefined,
    imageOrientationPatient: numbers(ds, TAG.orientation, 6) as DicomHeader['imageOrientationPatient'],
    pixelSpacing: numbers(ds, TAG.pixelSpacing, 2) as [number, number] | undefined,
    sliceThickness: optionalNumber(ds, TAG.sliceThickness),
    spacingBetweenSlices: optionalNumber(ds, TAG.spacingBetweenSlices),
    echoTime: optionalNumber(ds, TAG.echoTime),
    repetitionTime: optionalNumber(ds, TAG.repetitionTime),
    inversionTime: optionalNumber(ds, TAG.inversionTime),
    scanningSequence: optionalString(ds, TAG.scanningSequence),
    windowCenter: optionalNumber(ds, TAG.windowCenter),
    windowWidth: optionalNumber(ds, TAG.windowWidth),
    rows: us(TAG.rows, 0),
    columns: us(TAG.columns, 0),
    numberOfFrames: Number(framesText),
    samplesPerPixel: us(TAG.samplesPerPixel, 1),
    bitsAllocated,
    bitsStored,
    highBit: us(TAG.highBit, bitsStored - 1),
    pixelRepresentation: us(TAG.pixelRepresentation, 0) === 1 ? 1 : 0,
    photometricInterpretation: optionalString(ds, TAG.photometric) ?? 'MONOCHROME2',
    rescaleSlope: optionalNumber(ds, TAG.rescaleSlope) ?? 1,
    rescaleIntercept: optionalNumber(ds, TAG.rescaleIntercept) ?? 0,
    pixelTag,
  };
}
