/** Read one DICOM file from disk (gzipped or not) and decode it with decode.ts. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DicomError } from '../core/errors.js';
import { decodeDicom, type DicomImage } from './decode.js';
import { parseDicom, type DicomHeader } from './header.js';
import type { PixelOptions } from './pixels.js';

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

export function readDicomFile(file: string, opts: PixelOptions = {}): Promise<DicomImage> {
  return decodeDicom(readBytes(file), file, opts);
}
