import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backboneLayer, buildBackbone, extractFeatures, importTorchWeights, loadBackboneWeights, readStateDict, type BackboneArch, type StateDict } from '../../lib/backbones/index.js';
import { fromTorch } from '../../lib/backbones/import.js';
import { main } from '../../lib/cli/main.js';
import { readNpy } from '../../lib/core/npy.js';
import { initBackend, trainableParams } from '../../lib/engine/index.js';
import { relErr } from '../engine/compare.js';
import { exportedBatch, exportTimm, TIMM_SKIP_REASON, type Export } from './timm.js';

// Each backbone against timm 0.9.2 itself: the same random weights (exported by timm_export.py)
// and the same input through both; features within 1e-4 of timm's (max |Δ| / max |timm|) and
// parameter counts equal, at the native size and a smaller one. At the smaller size also one
// training pass: batch-statistics features, every parameter's gradient and the BatchNorm running
// statistics against PyTorch's. One export for the whole file.
const TOL = 1e-4;
/** Bitwise equality of two float arrays (vitest's toEqual walks big arrays element by element, slowly). */
const sameBytes = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const JOBS = [
  { arch: 'coatnet_1_rw_224', imgSize: 224, batch: 1 },
  { arch: 'coatnet_1_rw_224', imgSize: 64, batch: 2, train: true },
  { arch: 'coatnet_2_rw_224', imgSize: 224, batch: 1 },
  { arch: 'coatnet_2_rw_224', imgSize: 64, batch: 2, train: true },
  { arch: 'coatnet_rmlp_2_rw_384', imgSize: 384, batch: 1 },
  { arch: 'coatnet_rmlp_2_rw_384', imgSize: 64, batch: 2, train: true },
  { arch: 'resnet18', imgSize: 224, batch: 1 },
  { arch: 'resnet18', imgSize: 96, batch: 2, pth: true },
  // The training pass at 64 px: at 96 one of layer4's 9,216 pre-ReLU values lies 9.9e-6 from 0, so
  // float32 rounding decides its mask (PyTorch's float32 and float64 passes agree there by luck).
  { arch: 'resnet18', imgSize: 64, batch: 2, train: true },
  { arch: 'convnext_tiny', imgSize: 224, batch: 1 },
  { arch: 'convnext_tiny', imgSize: 64, batch: 2, train: true },
];

/**
 * One training-mode pass of `model` on the export's input with loss Σ y·g (g from the export):
 * worst relative errors of the output, of the gradients (each against its tensor's scale, floored
 * at 1e-3 of the largest gradient: a rel-pos MLP's output bias has a true gradient of 0, softmax
 * being shift-invariant, so both sides give rounding noise there) and of the running statistics.
 */
function trainingPass(model: tf.LayersModel, e: Export): { output: number; gradients: number; worst: string; running: number } {
  const slots = [...backboneLayer(model).torchSlots()];
  const trainable = slots.filter(([, s]) => s.variable.trainable);
  const vars = trainable.map(([, s]) => s.variable.read() as tf.Variable);
  const { x } = exportedBatch(e);
  const yTorch = readNpy(join(e.dir, 'y_train.npy'));
  const g = readNpy(join(e.dir, 'g.npy'));
  let y = new Float32Array(0);
  const { grads } = tf.variableGrads(() => {
    const out = model.apply(tf.tensor(x.data, x.shape), { training: true }) as tf.Tensor;
    y = out.dataSync() as Float32Array;
    return tf.sum(tf.mul(out, tf.tensor(g.data as Float32Array, g.shape))) as tf.Scalar;
  }, vars);
  const torchGrads = readStateDict(join(e.dir, 'grads.safetensors'));
  const pairs = trainable.map(([key, s]) => {
    const t = torchGrads.get(key)!;
    return { key, ours: grads[(s.variable.read() as tf.Variable).name].dataSync() as Float32Array, theirs: fromTorch(t.toFloat32(), t.shape, s.layout) };
  });
  tf.dispose(grads);
  const scale = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const floor = 1e-3 * Math.max(...pairs.map((p) => scale(p.theirs)));
  let gradients = 0;
  let worst = '';
  for (const p of pairs) {
    let d = 0;
    for (let i = 0; i < p.ours.length; i++) d = Math.max(d, Math.abs(p.ours[i] - p.theirs[i]));
    const err = d / Math.max(scale(p.theirs), floor);
    if (err > gradients) [gradients, worst] = [err, p.key];
  }
  const running = readStateDict(join(e.dir, 'running.safetensors'));
  const byKey = new Map(slots);
  const runErr = Math.max(0, ...[...running].map(([k, t]) => relErr(byKey.get(k)!.variable.read().dataSync(), t.toFloat32())));
  return { output: relErr(y, yTorch.data as Float32Array), gradients, worst, running: runErr };
}

describe.skipIf(TIMM_SKIP_REASON !== null)('backbones against timm 0.9.2', () => {
  let dir: string;
  let exports: Export[];
  const measured: string[] = [];
  const find = (arch: string, size: number) => exports.find((e) => e.arch === arch && e.imgSize === size)!;

  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'spinelab-timm-'));
    const t0 = Date.now();
    exports = exportTimm(dir, JOBS);
    measured.push(`timm export: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 900_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`[backbone tests]\n  ${measured.join('\n  ')}`);
  });

  it.each(JOBS.map((j) => [j.arch, j.imgSize] as const))('%s at %i px: timm\'s features and parameter count', async (arch, size) => {
    const e = find(arch, size);
    const { x, y } = exportedBatch(e);
    const t0 = Date.now();
    const r = await extractFeatures(x, { arch: arch as BackboneArch, weights: join(e.dir, 'weights.safetensors') });
    r.model.dispose();
    const err = relErr(r.features, y.data);
    measured.push(`${arch} @ ${size}: rel. error ${err.toExponential(2)}, ${r.summary.params} parameters (timm ${e.params}), ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.shape).toEqual(y.shape);
    expect(r.summary.params).toBe(e.params);
    expect(r.summary.features).toBe(e.features);
    expect(err).toBeLessThanOrEqual(TOL);
  }, 300_000);

  it.each(JOBS.filter((j) => j.train).map((j) => [j.arch, j.imgSize] as const))('%s at %i px: a checkpointed training pass gives PyTorch\'s output, gradients and running statistics', (arch, size) => {
    const e = find(arch, size);
    const t0 = Date.now();
    // RelPosMlp's hidden dropout is off on both sides (timm_export.py): random masks cannot be compared.
    const model = buildBackbone(arch as BackboneArch, { imgSize: size, init: 'zeros', relPosDropout: 0 });
    loadBackboneWeights(model, join(e.dir, 'weights.safetensors'));
    const r = trainingPass(model, e);
    model.dispose();
    measured.push(`${arch} @ ${size} training pass: output ${r.output.toExponential(2)}, gradients ${r.gradients.toExponential(2)} (${r.worst}), running statistics ${r.running.toExponential(2)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.output).toBeLessThanOrEqual(TOL);
    expect(r.gradients).toBeLessThanOrEqual(TOL);
    expect(r.running).toBeLessThanOrEqual(TOL);
  }, 300_000);

  it('checkpointed and plain backward passes agree, dropout masks included', () => {
    const e = find('coatnet_rmlp_2_rw_384', 64);
    const grads = (checkpoint: boolean) => {
      const model = buildBackbone('coatnet_rmlp_2_rw_384', { imgSize: 64, init: 'zeros', checkpoint, seed: 7 });
      loadBackboneWeights(model, join(e.dir, 'weights.safetensors'));
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { x } = exportedBatch(e);
      const { grads: g } = tf.variableGrads(() => tf.sum(tf.square(model.apply(tf.tensor(x.data, x.shape), { training: true }) as tf.Tensor)) as tf.Scalar, vars);
      const out = vars.map((v) => g[v.name].dataSync() as Float32Array);
      tf.dispose(g);
      model.dispose();
      return out;
    };
    const [a, b] = [grads(true), grads(false)];
    expect(Math.max(...a.map((g, i) => relErr(g, b[i])))).toBeLessThanOrEqual(1e-5);
  }, 300_000);

  it('a torch.save checkpoint gives the same tensors as the safetensors file', () => {
    const e = find('resnet18', 96);
    const st = readStateDict(join(e.dir, 'weights.safetensors'));
    const pth = readStateDict(join(e.dir, 'weights.pth'));
    expect([...pth.keys()]).toEqual([...st.keys()]);
    for (const [k, t] of st) {
      const p = pth.get(k)!;
      expect(p.shape, k).toEqual(t.shape);
      expect(p.dtype, k).toBe(t.dtype);
      expect(sameBytes(p.toFloat32(), t.toFloat32()), k).toBe(true);
    }
    expect(pth.get('bn1.num_batches_tracked')!.dtype).toBe('int64');
  });

  describe('import errors name the key', () => {
    let sd: StateDict;
    let model: tf.LayersModel;
    beforeAll(() => {
      sd = readStateDict(join(find('resnet18', 96).dir, 'weights.safetensors'));
      model = buildBackbone('resnet18', { imgSize: 96, init: 'zeros' });
    });
    afterAll(() => model.dispose());
    const without = (key: string) => new Map([...sd].filter(([k]) => k !== key));

    it('missing', () => {
      expect(() => importTorchWeights(model, without('layer2.0.bn1.running_var'), 'w.safetensors')).toThrow(/w\.safetensors: .*missing keys: layer2\.0\.bn1\.running_var/);
    });

    it('unused', () => {
      const extra = new Map(sd).set('layer5.0.conv1.weight', sd.get('conv1.weight')!);
      expect(() => importTorchWeights(model, extra)).toThrow(/unused keys: layer5\.0\.conv1\.weight/);
    });

    it('an ImageNet checkpoint\'s classifier is dropped, as timm does for num_classes=0', () => {
      const withHead = new Map(sd).set('fc.weight', sd.get('conv1.weight')!).set('fc.bias', sd.get('bn1.bias')!);
      expect(importTorchWeights(model, withHead).ignored).toBe(importTorchWeights(model, sd).ignored + 2);
    });

    it('wrong shape, and nothing is written when the import fails', () => {
      const t = sd.get('layer3.0.conv2.weight')!;
      const bad = new Map(sd).set('layer3.0.conv2.weight', { ...t, shape: [256, 256, 1, 9] });
      const first = () => backboneLayer(model).torchSlots().get('layer1.0.conv1.weight')!.variable.read().dataSync() as Float32Array;
      const before = first().slice();
      expect(() => importTorchWeights(model, bad)).toThrow(/wrong shapes: layer3\.0\.conv2\.weight is \[256, 256, 1, 9\], expected \[256, 256, 3, 3\]/);
      expect(sameBytes(first(), before)).toBe(true);
    });

    it('a complete state dict fills every weight and only skips BatchNorm step counters', () => {
      const r = importTorchWeights(model, sd);
      expect(r.loaded).toBe(model.weights.length);
      expect(r.ignored).toBe([...sd.keys()].filter((k) => k.endsWith('num_batches_tracked')).length);
    });
  });

  it('spinelab backbone: features to .npy, --json summary, --save folder reloads to the same features', async () => {
    const e = find('convnext_tiny', 64);
    const run = async (args: string[]) => {
      let out = '';
      vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += a.join(' ') + '\n'));
      const code = await main(args);
      vi.restoreAllMocks();
      return { code, last: JSON.parse(out.trim().split('\n').pop()!) };
    };
    const yFile = join(dir, 'y_cli.npy');
    const saved = join(dir, 'saved_convnext');
    const a = await run(['backbone', '--arch', 'convnext_tiny', '--weights', join(e.dir, 'weights.safetensors'), '--input', join(e.dir, 'x.npy'), '--out', yFile, '--save', saved, '--backend', 'wasm', '--json']);
    expect(a.code).toBe(0);
    expect(a.last).toMatchObject({ arch: 'convnext_tiny', params: e.params, features: 768, imgSize: 64, images: 2 });
    const y = readNpy(yFile);
    expect(y.shape).toEqual([2, 768]);
    expect(relErr(y.data as Float32Array, exportedBatch(e).y.data)).toBeLessThanOrEqual(TOL);
    const b = await run(['backbone', '--arch', 'convnext_tiny', '--weights', saved, '--input', join(e.dir, 'x.npy'), '--out', yFile, '--json']);
    expect(b.code).toBe(0);
    expect(sameBytes(readNpy(yFile).data as Float32Array, y.data as Float32Array)).toBe(true);
  }, 300_000);
});

describe('backbone shapes without timm', () => {
  it('a size that is not a multiple of 32 is refused, naming the accepted sizes', () => {
    expect(() => buildBackbone('coatnet_1_rw_224', { imgSize: 100 })).toThrow(/input size 100 is not supported \(multiples of 32 from 32 up; ImageNet weights are for 224\)/);
  });

  it('an unknown architecture is refused with the known ones', async () => {
    await expect(extractFeatures({ data: new Float32Array(3 * 32 * 32), shape: [1, 32, 32, 3] }, { arch: 'vit_base' as BackboneArch })).rejects.toThrow(/unknown backbone "vit_base" \(known: coatnet_1_rw_224/);
  });

  it('the map output has stride 32 and the CoAtNet parameter count follows the rel-pos tables', async () => {
    await initBackend('wasm');
    const m = buildBackbone('coatnet_1_rw_224', { imgSize: 64, output: 'map', init: 'zeros' });
    expect(m.outputs[0].shape).toEqual([null, 2, 2, 768]);
    // README of the reference: 40,836,582 at 64 px (the 224-px tables hold 40,952,502 − that).
    expect(trainableParams(m)).toBe(40_836_582);
    m.dispose();
  });
});
