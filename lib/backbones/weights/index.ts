// Reading timm / PyTorch weights: safetensors and torch.save zip checkpoints → a state dict.
import { existsSync, readFileSync } from 'node:fs';
import { ArtefactError } from '../../core/errors.js';
import { parseTorchZip } from './pytorch.js';
import { parseSafetensors } from './safetensors.js';
import type { StateDict } from './tensor.js';
import { isZip } from './zip.js';

export type { StateDict, TorchTensor, TorchDtype } from './tensor.js';
export { parseSafetensors } from './safetensors.js';
export { parseTorchZip } from './pytorch.js';

/**
 * Read a state dict from `.safetensors` or a PyTorch zip checkpoint (`.pth`, `.pt`, `.bin`), told
 * apart by content, not by extension. Keys keep timm's names; a `module.` prefix on every key
 * (a DistributedDataParallel save) is dropped, as timm's checkpoint cleaning does.
 */
export function readStateDict(file: string): StateDict {
  if (!existsSync(file)) throw new ArtefactError('weights file not found', { file });
  const bytes = new Uint8Array(readFileSync(file));
  let sd: StateDict;
  if (isZip(bytes)) sd = parseTorchZip(bytes, file);
  else if (bytes.byteLength >= 2 && bytes[0] === 0x80 && bytes[1] <= 5) {
    throw new ArtefactError('a legacy (pre-1.6, non-zip) PyTorch checkpoint: re-save it with a current torch.save', { file });
  } else sd = parseSafetensors(bytes, file);
  const keys = [...sd.keys()];
  if (keys.length && keys.every((k) => k.startsWith('module.'))) {
    return new Map([...sd].map(([k, v]) => [k.slice('module.'.length), v]));
  }
  return sd;
}
