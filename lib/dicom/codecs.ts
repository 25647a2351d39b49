/**
 * Encapsulated pixel codecs. The WASM decoders (@cornerstonejs/codec-*) are Emscripten modules that
 * load asynchronously; `loadCodec` instantiates each once per thread, after which `decodeFrame`
 * is synchronous. JPEG lossless is plain JS (jpeg-lossless-decoder-js) and RLE is our own.
 */
import { createRequire } from 'node:module';
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { decodeRleFrame } from './rle.js';
import type { Codec } from './syntax.js';

const require = createRequire(import.meta.url);

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

const WASM: Partial<Record<Codec, { path: string; decoder: string }>> = {
  'jpeg-ls': { path: '@cornerstonejs/codec-charls/decodewasmjs', decoder: 'JpegLSDecoder' },
  jpeg2000: { path: '@cornerstonejs/codec-openjpeg/decodewasmjs', decoder: 'J2KDecoder' },
  'jpeg-baseline': { path: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', decoder: 'JPEGDecoder' },
};
const modules = new Map<Codec, WasmModule>();
const loading = new Map<Codec, Promise<void>>();

/** Instantiate a codec's WASM module once (no-op for the JS codecs). */
export function loadCodec(codec: Codec): Promise<void> {
  const spec = WASM[codec];
  if (!spec || modules.has(codec)) return Promise.resolve();
  let p = loading.get(codec);
  if (!p) {
    const factory = require(spec.path) as (opts: object) => Promise<WasmModule>;
    // openjpeg prints "[INFO] ..." lines on stdout unless print/printErr are given.
    p = factory({ print: () => {}, printErr: () => {} }).then((m) => { modules.set(codec, m); });
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
  const spec = WASM[codec];
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
