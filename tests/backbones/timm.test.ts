import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildBackbone, countParams, extractFeatures, importTorchWeights, readStateDict, type BackboneArch, type StateDict } from '../../lib/backbones/index.js';
import { main } from '../../lib/cli/main.js';
import { readNpy } from '../../lib/core/npy.js';
import { initBackend } from '../../lib/engine/index.js';
import { relErr } from '../engine/compare.js';
import { exportedBatch, exportTimm, TIMM_SKIP_REASON, type Export } from './timm.js';

// Each backbone against timm 0.9.2 itself: the same random weights (exported by timm_export.py)
// and the same input through both; features within 1e-4 of timm's (max |Δ| / max |timm|) and
// parameter counts equal, at the native size and a smaller one. One export for the whole file.
const TOL = 1e-4;
/** Bitwise equality of two float arrays (vitest's toEqual walks big arrays element by element, slowly). */
const sameBytes = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const JOBS = [
  { arch: 'coatnet_1_rw_224', imgSize: 224, batch: 1 },
  { arch: 'coatnet_1_rw_224', imgSize: 64, batch: 2 },
  { arch: 'coatnet_2_rw_224', imgSize: 224, batch: 1 },
  { arch: 'coatnet_2_rw_224', imgSize: 96, batch: 2 },
  { arch: 'coatnet_rmlp_2_rw_384', imgSize: 384, batch: 1 },
  { arch: 'coatnet_rmlp_2_rw_384', imgSize: 128, batch: 2 },
  { arch: 'resnet18', imgSize: 224, batch: 1 },
  { arch: 'resnet18', imgSize: 96, batch: 2, pth: true },
  { arch: 'convnext_tiny', imgSize: 224, batch: 1 },
  { arch: 'convnext_tiny', imgSize: 64, batch: 2 },
];

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
      const extra = new Map(sd).set('fc.weight', sd.get('conv1.weight')!);
      expect(() => importTorchWeights(model, extra)).toThrow(/unused keys: fc\.weight/);
    });

    it('wrong shape, and nothing is written when the import fails', () => {
      const t = sd.get('layer3.0.conv2.weight')!;
      const bad = new Map(sd).set('layer3.0.conv2.weight', { ...t, shape: [256, 256, 1, 9] });
      const first = () => model.getLayer('layer1.0.conv1').getWeights()[0].dataSync() as Float32Array;
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
    expect(countParams(m)).toBe(40_836_582);
    m.dispose();
  });
});
