/**
 * timm state dict → tfjs backbone, by name: every weight of a {@link TimmBackboneLayer} is named by
 * its timm key and knows its PyTorch layout. Strict like `load_state_dict(strict=True)`: a missing
 * key, an unused key or a mis-shaped tensor is an error that names it. The ImageNet classifier of a
 * pretrained checkpoint is dropped, as timm's `create_model(..., pretrained=True, num_classes=0)` does.
 */
import * as tf from '@tensorflow/tfjs';
import { ArtefactError } from '../core/errors.js';
import { ARCHS } from './archs.js';
import { TimmBackboneLayer } from './layer.js';
import type { TorchLayout } from './ops.js';
import type { StateDict } from './weights/index.js';

/** Buffers a state dict carries that have no role here (BatchNorm's step counter). */
const IGNORED_BUFFERS = ['num_batches_tracked'];

/** The shape PyTorch stores for a weight of our shape `s` in `layout`. */
export function torchShape(s: readonly number[], layout: TorchLayout): number[] {
  switch (layout) {
    case 'conv': return [s[3], s[2], s[0], s[1]];
    case 'dw': return [s[2], 1, s[0], s[1]];
    case 'linear': return [s[1], s[0]];
    case 'conv1x1': return [s[1], s[0], 1, 1];
    case 'same': return [...s];
  }
}

/** Re-lay PyTorch data (shape `ts`, checked against {@link torchShape}) into ours. */
export function fromTorch(data: Float32Array, ts: readonly number[], layout: TorchLayout): Float32Array {
  if (layout === 'same') return data;
  const out = new Float32Array(data.length);
  if (layout === 'linear' || layout === 'conv1x1') {
    const [O, I] = ts;
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) out[i * O + o] = data[o * I + i];
    return out;
  }
  // conv OIHW → HWIO; dw [C, 1, kh, kw] → [kh, kw, C, 1] is the same permutation with I = 1.
  const [O, I, KH, KW] = ts;
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < I; i++) {
      for (let h = 0; h < KH; h++) {
        for (let w = 0; w < KW; w++) out[((h * KW + w) * I + i) * O + o] = data[((o * I + i) * KH + h) * KW + w];
      }
    }
  }
  return out;
}

/** The backbone layer of a model (a backbone model, or a stage model that nests one). */
export function backboneLayer(model: tf.LayersModel): TimmBackboneLayer {
  const found = model.layers.filter((l): l is TimmBackboneLayer => l instanceof TimmBackboneLayer);
  if (found.length !== 1) throw new Error(`${model.name}: expected one timm backbone layer, found ${found.length}`);
  return found[0];
}

export interface ImportResult {
  /** State-dict entries written into the model. */
  loaded: number;
  /** Entries read but not needed (BatchNorm's num_batches_tracked, the ImageNet classifier). */
  ignored: number;
}

const listed = (keys: string[]) => keys.slice(0, 8).join(', ') + (keys.length > 8 ? `, … (${keys.length} in all)` : '');

/**
 * Fill every weight of the backbone (a layer, or the one in a model) from `sd` (timm names). All checks run before any
 * weight is written, so a failed import leaves the model as it was.
 */
export function importTorchWeights(target: tf.LayersModel | TimmBackboneLayer, sd: StateDict, file?: string): ImportResult {
  const layer = target instanceof TimmBackboneLayer ? target : backboneLayer(target);
  const slots = layer.torchSlots();
  const missing = [...slots.keys()].filter((k) => !sd.has(k));
  const classifier = `${ARCHS[layer.arch].classifier}.`;
  const ignorable = (k: string) => k.startsWith(classifier) || IGNORED_BUFFERS.some((b) => k.endsWith(`.${b}`) && slots.has(`${k.slice(0, -b.length)}running_mean`));
  const unused = [...sd.keys()].filter((k) => !slots.has(k) && !ignorable(k));
  const misShaped: string[] = [];
  for (const [key, slot] of slots) {
    const t = sd.get(key);
    if (!t) continue;
    const want = torchShape(slot.shape, slot.layout);
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) misShaped.push(`${key} is [${t.shape.join(', ')}], expected [${want.join(', ')}]`);
  }
  const problems = [
    missing.length ? `missing keys: ${listed(missing)}` : '',
    unused.length ? `unused keys: ${listed(unused)}` : '',
    misShaped.length ? `wrong shapes: ${listed(misShaped)}` : '',
  ].filter(Boolean);
  if (problems.length) throw new ArtefactError(`weights do not fit ${layer.arch} at ${layer.imgSize} px: ${problems.join('; ')}`, { file });
  for (const [key, slot] of slots) {
    const t = sd.get(key)!;
    const value = tf.tensor(fromTorch(t.toFloat32(), t.shape, slot.layout), slot.shape);
    slot.variable.write(value);
    value.dispose();
  }
  return { loaded: slots.size, ignored: sd.size - slots.size };
}
