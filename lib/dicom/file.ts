/** Read one DICOM file: header, and pixels decoded with the codec its transfer syntax names. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DicomError } from '../core/errors.js';
import type { NdArray } from '../core/npy.js';
import { loadCodec } from './codecs.js';
import { parseDicom, type DicomHeader } from './header.js';
import { decodePixels, type PixelOptions } from './pixels.js';
import { syntaxLabel, transferSyntax } from './syntax.js';

export interface DicomImage {
  header: DicomHeader;
  /** [frames, rows, columns], stored dtype (float32 with `rescale`). */
  pixels: NdArray;
}

function readBytes(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new DicomError(`cannot read file (${(e as Error).message})`, { file });
  }
  // Some archives ship gzipped DICOMs (.dcm.gz); read them transparently.
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (e) {
      throw new DicomError(`corrupt gzip file (${(e as Error).message})`, { file });
    }
  }
  return bytes;
}

/** Header only (stops before the pixel data): for listing and sorting a series quickly. */
export function readDicomHeader(file: string): DicomHeader {
  return parseDicom(readBytes(file), file, true).header;
}

/** Decode bytes already in memory (`file` names them in errors). */
export async function decodeDicom(bytes: Uint8Array, file: string, opts: PixelOptions = {}): Promise<DicomImage> {
  const parsed = parseDicom(bytes, file);
  const ts = transferSyntax(parsed.header.transferSyntaxUid);
  if (!ts) throw new DicomError(`unsupported transfer syntax ${syntaxLabel(parsed.header.transferSyntaxUid)}`, { file });
  await loadCodec(ts.codec);
  return { header: parsed.header, pixels: decodePixels(parsed, opts) };
}

export function readDicomFile(file: string, opts: PixelOptions = {}): Promise<DicomImage> {
  return decodeDicom(readBytes(file), file, opts);
}
