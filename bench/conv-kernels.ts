import * as tf from '@tensorflow/tfjs';
import { Rng } from '../lib/core/rng.js';
import { initBackend } from '../lib/engine/index.js';
import { buildCoordsModel } from '../lib/coords/model.js';
import { coordsPreset } from '../lib/coords/presets.js';
import { buildClassifier, modelMeta } from '../lib/classify/model.js';
import { classifyPreset } from '../lib/classify/presets.js';

/**
 * ms per call of the conv kernels (forward Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput) at
 * the shapes of every conv layer of the models a preset trains, on the active WASM kernels.
 *   node --import tsx bench/conv-kernels.ts [--preset demo] [--repeats 5] [--json]
 */
export interface ConvLayerShape {
  model: string;
  layer: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
}

export interface ConvKernelTime extends ConvLayerShape {
  forwardMs: number;
  filterMs: number;
  inputMs: number;
}

/** The conv layers of a built model, with the batch each sees in training (frames folded in). */
export function convLayers(model: tf.LayersModel, name: string, batch: number): ConvLayerShape[] {
  const out: ConvLayerShape[] = [];
  for (const l of model.layers) {
    if (l.getClassName() !== 'Conv2D') continue;
    const cfg = l.getConfig() as { kernelSize: number[]; strides: number[]; padding: 'same' | 'valid'; filters: number };
    const s = (l.input as tf.SymbolicTensor).shape;
    out.push({
      model: name, layer: l.name,
      x: [batch, s[1]!, s[2]!, s[3]!],
      filter: [cfg.kernelSize[0], cfg.kernelSize[1], s[3]!, cfg.filters],
      strides: [cfg.strides[0], cfg.strides[1]], pad: cfg.padding,
    });
  }
  return out;
}

export function presetConvLayers(preset: string): ConvLayerShape[] {
  const rng = new Rng(1);
  const c = coordsPreset(preset);
  const coords = buildCoordsModel(c.model, rng);
  const layers = convLayers(coords, 'coords', c.train.batchSize);
  coords.dispose();
  for (const m of classifyPreset(preset).models) {
    const model = buildClassifier(modelMeta(m), rng);
    layers.push(...convLayers(model, m.name, m.train.batchSize * m.nFrames));
    model.dispose();
  }
  return layers;
}

/**
 * Best of `repeats` calls, in process CPU ms: the kernels are single-threaded, and on shared cores
 * CPU time is steadier than wall-clock (which counts the time other processes hold the core).
 */
function time(fn: () => tf.Tensor, repeats: number): number {
  fn().dispose();
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    fn().dispose();
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
  }
  return best;
}

export function timeConvKernels(layers: ConvLayerShape[], repeats = 5): ConvKernelTime[] {
  return layers.map((c) => {
    const ci = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
    const x = tf.randomNormal(c.x);
    const w = tf.randomNormal(c.filter);
    const dy = tf.randomNormal([c.x[0], ci.outHeight, ci.outWidth, c.filter[3]]);
    const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) => () =>
      tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] };
    const r = {
      ...c,
      forwardMs: time(run('Conv2D', { x, filter: w }, attrs), repeats),
      filterMs: time(run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.filter }), repeats),
      inputMs: time(run('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x }), repeats),
    };
    tf.dispose([x, w, dy]);
    return r;
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (k: string, d: string) => { const i = args.indexOf(`--${k}`); return i >= 0 ? args[i + 1] : d; };
  await initBackend('wasm');
  const rows = timeConvKernels(presetConvLayers(opt('preset', 'demo')), Number(opt('repeats', '5')));
  if (args.includes('--json')) { console.log(JSON.stringify(rows)); return; }
  const f = (v: number) => v.toFixed(2).padStart(8);
  console.log('model   layer                 x                 filter       s   fwd ms  dW ms    dx ms');
  const tot = new Map<string, number[]>();
  for (const r of rows) {
    console.log(`${r.model.padEnd(7)} ${r.layer.padEnd(20)} ${r.x.join('×').padEnd(17)} ${r.filter.join('×').padEnd(12)} ${r.strides[0]} ${f(r.forwardMs)} ${f(r.filterMs)} ${f(r.inputMs)}`);
    const t = tot.get(r.model) ?? [0, 0, 0];
    t[0] += r.forwardMs; t[1] += r.filterMs; t[2] += r.inputMs;
    tot.set(r.model, t);
  }
  for (const [m, t] of tot) console.log(`${m.padEnd(7)} total${' '.repeat(49)} ${f(t[0])} ${f(t[1])} ${f(t[2])}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
