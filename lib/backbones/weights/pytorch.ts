/**
 * PyTorch zip checkpoints (`torch.save` since 1.6: `.pth`, `.pt`, timm's `pytorch_model.bin`):
 * `{prefix}/data.pkl` pickles the object, each tensor's storage is the entry `{prefix}/data/{key}`.
 * Like `torch.load` followed by timm's checkpoint cleaning, a `{'state_dict': …}` or `{'model': …}`
 * wrapper is unwrapped.
 */
import { ArtefactError } from '../../core/errors.js';
import { unpickle, type TensorRef } from './pickle.js';
import { decodeFloat32, DTYPE_BYTES, numel, type StateDict } from './tensor.js';
import { ZipReader } from './zip.js';

export function parseTorchZip(bytes: Uint8Array, file?: string): StateDict {
  const zip = new ZipReader(bytes, file);
  const pkl = [...zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new ArtefactError('not a PyTorch checkpoint (no */data.pkl in the zip)', { file });
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = zip.entries.has(`${prefix}byteorder`) ? Buffer.from(zip.read(`${prefix}byteorder`)).toString() : 'little';
  if (order !== 'little') throw new ArtefactError(`big-endian checkpoints are not supported (byteorder "${order}")`, { file });
  const root = unwrap(unpickle(zip.read(pkl), file), file);
  const out: StateDict = new Map();
  for (const [key, value] of root) {
    if (typeof key !== 'string') throw new ArtefactError(`state dict key ${String(key)} is not a string`, { file });
    const t = value as TensorRef;
    if (!t || t.kind !== 'tensor') throw new ArtefactError(`state dict entry "${key}" is not a tensor`, { file });
    const entry = `${prefix}data/${t.storage.key}`;
    if (!zip.entries.has(entry)) throw new ArtefactError(`tensor "${key}": storage ${entry} is missing`, { file });
    const storageBytes = t.storage.numel * DTYPE_BYTES[t.storage.dtype];
    const shape = t.shape;
    out.set(key, {
      dtype: t.storage.dtype,
      shape,
      toFloat32: () => {
        const data = zip.read(entry);
        if (data.byteLength < storageBytes) throw new ArtefactError(`tensor "${key}": storage ${entry} holds ${data.byteLength} bytes, expected ${storageBytes}`, { file });
        return numel(shape) === 0 ? new Float32Array(0) : decodeFloat32(data, t.storage.dtype, shape, t.offset, t.stride, file);
      },
    });
  }
  return out;
}

/** The state dict inside what was saved: the object itself, or its `state_dict` / `model` entry. */
function unwrap(obj: unknown, file?: string): Map<unknown, unknown> {
  if (!(obj instanceof Map)) throw new ArtefactError('the checkpoint does not hold a dict (a whole pickled module cannot be read; save its state_dict())', { file });
  for (const k of ['state_dict', 'model']) {
    const inner = obj.get(k);
    if (inner instanceof Map) return inner;
  }
  return obj;
}
