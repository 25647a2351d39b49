/** Decode DICOM bytes already in memory: header, then pixels with the codec their transfer syntax names. */
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

/** Decode bytes already in memory (`file` names them in errors). */
export async function decodeDicom(bytes: Uint8Array, file: string, opts: PixelOptions = {}): Promise<DicomImage> {
  const parsed = parseDicom(bytes, file);
  const ts = transferSyntax(parsed.header.transferSyntaxUid);
  if (!ts) throw new DicomError(`unsupported transfer syntax ${syntaxLabel(parsed.header.transferSyntaxUid)}`, { file });
  await loadCodec(ts.codec);
  return { header: parsed.header, pixels: decodePixels(parsed, opts) };
}
