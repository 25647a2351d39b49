/**
 * The one table from transfer syntax UID to pixel codec. The decoder dispatches on `codec`, the
 * tests iterate over it, and lib/dicom/README.md lists it: add a syntax here and nowhere else.
 */
export type Codec = 'native' | 'rle' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000' | 'jpeg-baseline';

export interface TransferSyntax {
  uid: string;
  name: string;
  codec: Codec;
  /** Byte order of native pixel data (encapsulated codecs define their own). */
  littleEndian: boolean;
  /** Lossy: another decoder may differ by rounding. */
  lossy: boolean;
  /** Bits per sample the codec can decode (JPEG baseline/extended: 8 only, see README). */
  maxBitsStored?: number;
}

const ts = (uid: string, name: string, codec: Codec, lossy = false, littleEndian = true, maxBitsStored?: number): TransferSyntax =>
  ({ uid, name, codec, littleEndian, lossy, maxBitsStored });

export const TRANSFER_SYNTAXES: readonly TransferSyntax[] = [
  ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native'),
  ts('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', 'native'),
  // dicom-parser inflates the whole dataset; its pixels are then native little endian.
  ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'native'),
  ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian', 'native', false, false),
  ts('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'),
  ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless'),
  ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)', 'jpeg-lossless'),
  ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls'),
  ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', 'jpeg-ls', true),
  ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)', 'jpeg2000'),
  ts('1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression', 'jpeg2000', true),
  ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline', true, true, 8),
  // Extended (process 2 & 4) with 8-bit samples is decoded by libjpeg-turbo; 12-bit is not.
  ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg-baseline', true, true, 8),
];

const BY_UID = new Map(TRANSFER_SYNTAXES.map((t) => [t.uid, t]));

/** Names of well-known syntaxes we do not decode, so the error can say what the file is. */
const UNSUPPORTED_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.8.1': 'Deflated Image Frame Compression',
  '1.2.840.10008.1.2.4.100': 'MPEG2',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
};

export function transferSyntax(uid: string): TransferSyntax | undefined {
  return BY_UID.get(uid);
}

export function syntaxLabel(uid: string): string {
  const name = BY_UID.get(uid)?.name ?? UNSUPPORTED_NAMES[uid];
  return name ? `${uid} (${name})` : uid;
}
