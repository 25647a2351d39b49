/**
 * The safetensors format (timm's Hugging Face hub format): an 8-byte little-endian header length,
 * a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`, then
 * the raw little-endian tensor bytes, offsets relative to the end of the header.
 */
import { ArtefactError } from '../../core/errors.js';
import { decodeFloat32, DTYPE_BYTES, numel, type StateDict, type TorchDtype } from './tensor.js';

const DTYPES: Record<string, TorchDtype> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Parse a safetensors file held in memory. Tensors stay views on `bytes` until decoded. */
export function parseSafetensors(bytes: Uint8Array, file?: string): StateDict {
  if (bytes.byteLength < 8) throw new ArtefactError('not a safetensors file (shorter than its 8-byte header length)', { file });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > bytes.byteLength) {
    throw new ArtefactError(`not a safetensors file (header length ${headerLen} does not fit the ${bytes.byteLength} bytes)`, { file });
  }
  let header: Record<string, Entry | Record<string, string>>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLen).toString('utf8'));
  } catch (e) {
    throw new ArtefactError(`not a safetensors file (header is not JSON: ${(e as Error).message})`, { file });
  }
  const data = bytes.subarray(8 + headerLen);
  const out: StateDict = new Map();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as Entry;
    const dtype = DTYPES[e.dtype];
    if (!dtype) throw new ArtefactError(`tensor "${name}": unsupported dtype ${e.dtype}`, { file });
    const [begin, end] = e.data_offsets ?? [];
    if (!Array.isArray(e.shape) || !(begin >= 0) || !(end <= data.byteLength) || end - begin !== numel(e.shape) * DTYPE_BYTES[dtype]) {
      throw new ArtefactError(`tensor "${name}": shape [${e.shape}] (${e.dtype}) does not match its byte range [${begin}, ${end}) of ${data.byteLength}`, { file });
    }
    const view = data.subarray(begin, end);
    const shape = [...e.shape];
    out.set(name, { dtype, shape, toFloat32: () => decodeFloat32(view, dtype, shape, 0, undefined, file) });
  }
  return out;
}
