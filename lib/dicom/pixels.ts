/**
 * Pixel data → typed arrays with the stored values, as pydicom's `pixel_array` (the reference keeps
 * them: no rescale, no VOI, no MONOCHROME1 inversion, §2.1). Rescale and inversion are options.
 * Every inconsistency between header, pixel data and codec output is a DicomError naming the
 * file and the transfer syntax: a frame is either exact or refused, never silently garbage.
 */
import type { DataSet, Element } from 'dicom-parser';
import { DicomError } from '../core/errors.js';
import type { NdArray, NpyArray, NpyDtype } from '../core/npy.js';
import { decodeFrame, type DecodedFrame } from './codecs.js';
import type { DicomHeader, ParsedDicom } from './header.js';
import { syntaxLabel, transferSyntax, type Codec, type TransferSyntax } from './syntax.js';

export interface PixelOptions {
  /** Apply RescaleSlope/Intercept; the result is float32. Default false (stored values). */
  rescale?: boolean;
  /** Invert MONOCHROME1 images so that higher means brighter. Default false (stored values). */
  invertMonochrome1?: boolean;
  /** Decode only the first frame of a multi-frame file. Default false. */
  firstFrameOnly?: boolean;
}

/** The stored pixel dtype pydicom gives for these header values. */
export function storedDtype(h: DicomHeader): NpyDtype {
  if (h.pixelTag === 'x7fe00008') return 'float32';
  if (h.pixelTag === 'x7fe00009') return 'float64';
  const signed = h.pixelRepresentation === 1;
  switch (h.bitsAllocated) {
    case 1: return 'uint8';
    case 8: return signed ? 'int8' : 'uint8';
    case 16: return signed ? 'int16' : 'uint16';
    case 32: return signed ? 'int32' : 'uint32';
    default: throw new DicomError(`BitsAllocated ${h.bitsAllocated} is not supported (1, 8, 16 or 32)`, { file: h.file });
  }
}

const MAKE: Record<NpyDtype, (n: number) => NpyArray> = {
  uint8: (n) => new Uint8Array(n), int8: (n) => new Int8Array(n),
  uint16: (n) => new Uint16Array(n), int16: (n) => new Int16Array(n),
  uint32: (n) => new Uint32Array(n), int32: (n) => new Int32Array(n),
  float32: (n) => new Float32Array(n), float64: (n) => new Float64Array(n),
};

/**
 * Decode the pixel data of a parsed file: shape [frames, rows, columns] (frames = 1 with
 * `firstFrameOnly`), stored dtype unless `rescale`. Codecs must be loaded (see readDicomFile).
 */
export function decodePixels(parsed: ParsedDicom, opts: PixelOptions = {}): NdArray {
  const { header: h, dataSet } = parsed;
  const fail = (msg: string) => new DicomError(`${msg} [transfer syntax ${syntaxLabel(h.transferSyntaxUid)}]`, { file: h.file });
  const ts = transferSyntax(h.transferSyntaxUid);
  if (!ts) throw fail('unsupported transfer syntax');
  if (!h.pixelTag) throw fail('no pixel data element (7FE0,0010)');
  if (h.rows <= 0 || h.columns <= 0) throw fail(`missing or zero Rows/Columns (${h.rows}×${h.columns})`);
  if (h.samplesPerPixel !== 1) throw fail(`${h.photometricInterpretation} colour image (SamplesPerPixel ${h.samplesPerPixel}): only grayscale is supported`);
  const dtype = storedDtype(h);
  // RLE of bit-packed data (PS3.5 G.2) is not implemented (pydicom refuses it too); JPEG 2000
  // codestreams of 1-bit images decode to one byte per pixel.
  if (h.bitsAllocated === 1 && ts.codec === 'rle') throw fail('RLE of bit-packed (BitsAllocated 1) pixels is not supported');
  if (ts.maxBitsStored && h.bitsStored > ts.maxBitsStored) throw fail(`${h.bitsStored}-bit samples are not supported by the ${ts.codec} codec (at most ${ts.maxBitsStored})`);
  const nFrames = opts.firstFrameOnly ? 1 : h.numberOfFrames;
  const frameSize = h.rows * h.columns;
  const out = MAKE[dtype](nFrames * frameSize);
  const el = dataSet.elements[h.pixelTag];
  if (ts.codec === 'native') {
    readNative(dataSet, el, h, ts, out, nFrames, fail);
  } else {
    if (!el.encapsulatedPixelData || !el.fragments) throw fail('pixel data is not encapsulated, as this transfer syntax requires');
    const frames = encapsulatedFrames(dataSet, el, h.numberOfFrames, ts.codec, fail);
    for (let f = 0; f < nFrames; f++) {
      let decoded: DecodedFrame;
      try {
        decoded = decodeFrame(ts.codec, frames[f], h);
      } catch (e) {
        if (e instanceof DicomError) throw e;
        throw fail(`frame ${f} cannot be decoded: ${e instanceof Error ? e.message : String(e)}`);
      }
      copyDecoded(decoded, h, ts, out.subarray(f * frameSize, (f + 1) * frameSize), fail);
    }
  }
  let result: NpyArray = out;
  if (opts.invertMonochrome1 && h.photometricInterpretation === 'MONOCHROME1' && !dtype.startsWith('float')) {
    // v → lo + hi − v over the stored range: the brightest stored value becomes the darkest.
    const lo = h.pixelRepresentation ? -(2 ** (h.bitsStored - 1)) : 0;
    const hi = h.pixelRepresentation ? 2 ** (h.bitsStored - 1) - 1 : 2 ** h.bitsStored - 1;
    for (let i = 0; i < result.length; i++) result[i] = lo + hi - result[i];
  }
  if (opts.rescale) {
    const f = new Float32Array(result.length);
    for (let i = 0; i < f.length; i++) f[i] = result[i] * h.rescaleSlope + h.rescaleIntercept;
    result = f;
  }
  return { data: result, shape: [nFrames, h.rows, h.columns], dtype: opts.rescale ? 'float32' : dtype };
}

function readNative(ds: DataSet, el: Element, h: DicomHeader, ts: TransferSyntax, out: NpyArray, nFrames: number, fail: (m: string) => DicomError): void {
  if (el.encapsulatedPixelData) throw fail('pixel data is encapsulated, but the transfer syntax is native');
  const n = out.length;
  const ba = ds.byteArray;
  // dicom-parser records the declared length; a truncated file has fewer bytes left.
  const available = Math.max(0, Math.min(el.length, ba.length - el.dataOffset));
  if (h.bitsAllocated === 1) {
    const need = Math.ceil((n) / 8);
    if (available < need) throw fail(`pixel data truncated: ${need} bytes needed for ${nFrames} frame(s), ${available} present`);
    // Bit-packed, least significant bit first (PS3.5 8.1.1).
    for (let i = 0; i < n; i++) out[i] = (ba[el.dataOffset + (i >> 3)] >> (i & 7)) & 1;
    return;
  }
  const size = out.BYTES_PER_ELEMENT;
  const need = n * size;
  if (available < need) throw fail(`pixel data truncated: ${need} bytes needed for ${nFrames} frame(s) of ${h.rows}×${h.columns}, ${available} present`);
  // Copy the bytes (dataOffset may be odd and `ba` a view into a pooled buffer), then swap if needed.
  const bytes = new Uint8Array(out.buffer, out.byteOffset, need);
  bytes.set(ba.subarray(el.dataOffset, el.dataOffset + need));
  if (!ts.littleEndian && size > 1) {
    for (let i = 0; i < need; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) { const t = bytes[a]; bytes[a] = bytes[b]; bytes[b] = t; }
    }
  }
}

/** Split encapsulated pixel data into one byte array per frame. */
function encapsulatedFrames(ds: DataSet, el: Element, nFrames: number, codec: Codec, fail: (m: string) => DicomError): Uint8Array[] {
  const frags = el.fragments!;
  const ba = ds.byteArray;
  for (const [i, fr] of frags.entries()) {
    if (fr.position + fr.length > ba.length) throw fail(`pixel data truncated: fragment ${i} needs ${fr.length} bytes, ${ba.length - fr.position} present`);
  }
  if (frags.length === 0) throw fail('encapsulated pixel data has no fragments');
  const fragment = (i: number) => ba.subarray(frags[i].position, frags[i].position + frags[i].length);
  const join = (from: number, to: number) => {
    if (to - from === 1) return fragment(from);
    const parts = frags.slice(from, to);
    const outBytes = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (let i = from; i < to; i++) { outBytes.set(fragment(i), o); o += frags[i].length; }
    return outBytes;
  };
  if (nFrames === 1) return [join(0, frags.length)];
  const bot = el.basicOffsetTable ?? [];
  let starts: number[];
  if (bot.length === nFrames) {
    starts = bot.map((off) => frags.findIndex((f) => f.offset === off));
    if (starts.some((s) => s < 0)) throw fail('basic offset table does not point at fragment starts');
  } else if (frags.length === nFrames) {
    starts = frags.map((_, i) => i);
  } else if (codec !== 'rle') {
    // No usable offset table: a frame starts at each fragment beginning with the codestream's marker.
    const marker = codec === 'jpeg2000' ? [0xff, 0x4f, 0xff, 0x51] : [0xff, 0xd8];
    starts = frags.map((_, i) => i).filter((i) => marker.every((b, k) => ba[frags[i].position + k] === b));
  } else {
    starts = [];
  }
  if (starts.length !== nFrames) throw fail(`cannot split ${frags.length} fragments into ${nFrames} frames`);
  return starts.map((s, f) => join(s, f + 1 < nFrames ? starts[f + 1] : frags.length));
}

function copyDecoded(d: DecodedFrame, h: DicomHeader, ts: TransferSyntax, out: NpyArray, fail: (m: string) => DicomError): void {
  if (d.width !== h.columns || d.height !== h.rows) throw fail(`codestream is ${d.width}×${d.height}, header says ${h.columns}×${h.rows}`);
  if (d.components !== 1) throw fail(`codestream has ${d.components} components, header says grayscale`);
  const inSize = d.bitsPerSample > 16 ? 4 : d.bitsPerSample > 8 ? 2 : 1;
  const n = out.length;
  if (d.bytes.length < n * inSize) throw fail(`decoder returned ${d.bytes.length} bytes, ${n * inSize} expected`);
  const view = new DataView(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength);
  const read = inSize === 1 ? (i: number) => view.getUint8(i) : inSize === 2 ? (i: number) => view.getUint16(i * 2, true) : (i: number) => view.getUint32(i * 4, true);
  // JPEG 2000 codestreams may declare themselves unsigned while PixelRepresentation says signed
  // (pydicom's J2K_pixelrep_mismatch.dcm): sign-extend from BitsStored as pydicom/GDCM do. JPEG-LS
  // stays as decoded (its reference arrays match the raw output).
  const extend = ts.codec === 'jpeg2000' && h.pixelRepresentation === 1 && d.signed === false && h.bitsStored < 32;
  const shift = 32 - h.bitsStored;
  if (!extend && inSize === out.BYTES_PER_ELEMENT) {
    new Uint8Array(out.buffer, out.byteOffset, n * inSize).set(d.bytes.subarray(0, n * inSize));
    return;
  }
  // Assigning into the typed array wraps modulo its width (two's complement for signed outputs).
  for (let i = 0; i < n; i++) out[i] = extend ? (read(i) << shift) >> shift : read(i);
}
