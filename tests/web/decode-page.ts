/**
 * A test page's script: decode DICOM files fetched from its server with lib/dicom as the web page
 * bundles it (the browser runtime: dicom-parser bundled, WASM codecs loaded from `codecs/`), and
 * report a digest of each file's pixels for comparison with Node's decode.
 */
import { decodeDicom } from '../../lib/dicom/decode.js';

export interface Decoded {
  ok: boolean;
  shape?: number[];
  dtype?: string;
  digest?: string;
  error?: string;
}

/** FNV-1a over the values (as integers) and their count: equal digests, equal pixels. */
export function pixelDigest(data: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i] & 0xffff;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= (data[i] >>> 16) & 0xffff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${data.length}:${h.toString(16)}`;
}

export async function decodeOne(bytes: Uint8Array, name: string): Promise<Decoded> {
  try {
    const img = await decodeDicom(bytes, name);
    return { ok: true, shape: img.pixels.shape, dtype: img.pixels.dtype, digest: pixelDigest(img.pixels.data) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

if ('document' in globalThis) {
  (globalThis as Record<string, unknown>).decodeUrls = async (urls: string[]) => {
    const out: Decoded[] = [];
    for (const u of urls) out.push(await decodeOne(new Uint8Array(await (await fetch(u)).arrayBuffer()), u));
    return out;
  };
}
