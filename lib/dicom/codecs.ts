/**
 * Encapsulated pixel codecs. The WASM decoders (@cornerstonejs/codec-*) are Emscripten modules that
 * load asynchronously; `loadCodec` instantiates each once per thread, after which `decodeFrame`
 * is synchronous. JPEG lossless is plain JS (jpeg-lossless-decoder-js) and RLE is our own.
 * How a factory is obtained (Node's require, or a script tag in the page) is runtime.ts's business.
 */
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { decodeRleFrame } from './rle.js';
import { codecFactory } from './runtime.js';
import type { Codec } from './syntax.js';

/** What a codec hands back: samples as little-endian bytes, 1 or 2 bytes each, and the frame's own header. */
export interface DecodedFrame {
  bytes: Uint8Array;
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  /** Signedness declared by the codestream, where the format has one (JPEG 2000). */
  signed?: boolean;
}

/** What the DICOM header says the frame holds (RLE needs it: its stream has no image header). */
export interface FrameSpec {
  rows: number;
  columns: number;
  bitsAllocated: number;
}

interface WasmFrameInfo { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean }
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  delete(): void;
}
interface WasmModule { [decoder: string]: new () => WasmDecoder }
export type WasmModuleFactory = (opts: object) => Promise<WasmModule>;

/** A WASM codec: its package, the file and global name of its decoder's Emscripten glue, its class. */
export interface WasmCodecSpec { pkg: string; file: string; global: string; decoder: string }

export const WASM_CODECS: Partial<Record<Codec, WasmCodecSpec>> = {
  'jpeg-ls': { pkg: '@cornerstonejs/codec-charls', file: 'charlswasm_decode.js', global: 'CharLSWASM', decoder: 'JpegLSDecoder' },
  jpeg2000: { pkg: '@cornerstonejs/codec-openjpeg', file: 'openjpegwasm_decode.js', global: 'OpenJPEGWASM', decoder: 'J2KDecoder' },
  'jpeg-baseline': { pkg: '@cornerstonejs/codec-libjpeg-turbo-8bit', file: 'libjpegturbowasm_decode.js', global: 'libjpegturbowasm_decode', decoder: 'JPEGDecoder' },
};
const modules = new Map<Codec, WasmModule>();
const loading = new Map<Codec, Promise<void>>();

/** Instantiate a codec's WASM module once (no-op for the JS codecs). */
export function loadCodec(codec: Codec): Promise<void> {
  const spec = WASM_CODECS[codec];
  if (!spec || modules.has(codec)) return Promise.resolve();
  let p = loading.get(codec);
  if (!p) {
    // openjpeg prints "[INFO] ..." lines on stdout unless print/printErr are given.
    p = codecFactory(spec)
      .then((factory) => factory({ print: () => {}, printErr: () => {} }))
      .then((m) => { modules.set(codec, m); }, (e) => { loading.delete(codec); throw e; });
    loading.set(codec, p);
  }
  return p;
}

/** Decode one encapsulated frame. Throws plain Errors (decoders throw numbers and strings too). */
export function decodeFrame(codec: Codec, data: Uint8Array, spec: FrameSpec): DecodedFrame {
  switch (codec) {
    case 'rle': {
      const bytes = decodeRleFrame(data, spec.rows * spec.columns, spec.bitsAllocated / 8);
      return { bytes, width: spec.columns, height: spec.rows, components: 1, bitsPerSample: spec.bitsAllocated };
    }
    case 'jpeg-lossless': {
      const d = new JpegLosslessDecoder();
      const out = d.decode(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
      const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      const size = out.BYTES_PER_ELEMENT;
      return { bytes, width: d.xDim, height: d.yDim, components: d.numComp, bitsPerSample: size === 1 ? 8 : 16 };
    }
    case 'native':
      throw new Error('native pixel data is not encapsulated');
    default:
      return decodeWasm(codec, data);
  }
}

function decodeWasm(codec: Codec, data: Uint8Array): DecodedFrame {
  const m = modules.get(codec);
  const spec = WASM_CODECS[codec];
  if (!m || !spec) throw new Error(`codec ${codec} is not loaded (call loadCodec first)`);
  const decoder = new m[spec.decoder]();
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // getDecodedBuffer is a view into WASM memory: copy it before delete().
    const bytes = decoder.getDecodedBuffer().slice();
    return {
      bytes,
      width: info.width,
      height: info.height,
      components: info.componentCount,
      bitsPerSample: info.bitsPerSample,
      signed: info.isSigned,
    };
  } catch (e) {
    // Emscripten code throws numbers (pointers to C++ exceptions) and strings.
    throw e instanceof Error ? e : new Error(`${codec} decoder failed (${typeof e === 'number' ? `native exception ${e}` : String(e)})`);
  } finally {
    decoder.delete();
  }
}
