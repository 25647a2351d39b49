import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backboneLayer, backboneRow, buildBackbone, saveBackbone } from '../../lib/backbones/index.js';
import { buildClassifier, classifyPreset, describeEncoder, modelMeta, type ClassifyModelConfig } from '../../lib/classify/index.js';
import { buildCoordsModel, coordsPreset, describeCoordsBackbone, imageBatch, type CoordsModelConfig } from '../../lib/coords/index.js';
import { Rng } from '../../lib/core/rng.js';
import { initBackend, loadModel, saveModel } from '../../lib/engine/index.js';

// The timm backbones inside the stages' models: input layout, the flatten head's order, weights
// from a file named by the config, save/load, and what the notebooks show. No Python needed.
describe('timm backbones in the stage models', () => {
  let dir: string;
  const env = process.env.SPINELAB_INPUT;
  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'spinelab-stages-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    if (env === undefined) delete process.env.SPINELAB_INPUT;
    else process.env.SPINELAB_INPUT = env;
  });

  it('coords: 3 gray channels in, the map flattened channel-major (torch\'s C, H, W order)', () => {
    const cfg: CoordsModelConfig = { imageSize: 64, backbone: { arch: 'resnet18', weights: null }, head: 'flatten', dropout: 0 };
    const model = buildCoordsModel(cfg, new Rng(1));
    expect(model.inputs[0].shape).toEqual([null, 64, 64, 3]);
    expect(model.getLayer('coords').getWeights()[0].shape).toEqual([512 * 2 * 2, 10]);
    const host = imageBatch([{ width: 64, height: 64, channels: 1, data: Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 97) / 97) }], 64, 3);
    // imageBatch repeats the gray value in the 3 channels.
    const px = host.data;
    expect(host.shape).toEqual([1, 64, 64, 3]);
    const x = tf.tensor(host.data, host.shape);
    expect([px[300], px[301], px[302]]).toEqual([px[300], px[300], px[300]]);
    const upTo = (layer: string) => tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tf.SymbolicTensor });
    const map = upTo(backboneLayer(model).name).predict(x) as tf.Tensor; // [1, 2, 2, 512]
    const chw = upTo('to_chw').predict(x) as tf.Tensor; // [1, 512, 2, 2]
    expect(chw.shape).toEqual([1, 512, 2, 2]);
    expect(Array.from(chw.dataSync())).toEqual(Array.from(tf.transpose(map, [0, 3, 1, 2]).dataSync()));
    tf.dispose([x, map, chw]);
    model.dispose();
  });

  it('a classifier on a timm encoder survives save/load with identical outputs', async () => {
    const base = classifyPreset('tiny').models[1];
    const cfg: ClassifyModelConfig = { ...base, imageSize: 32, nFrames: 3, encoder: { arch: 'convnext_tiny', weights: null } };
    const model = buildClassifier(modelMeta(cfg), new Rng(2));
    const x = tf.randomUniform([2, 3, 32, 32, 3], 0, 1, 'float32', 4);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    const out = join(dir, 'classifier');
    await saveModel(model, out);
    const { model: loaded } = await loadModel(out);
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(before));
    expect(backboneLayer(loaded).arch).toBe('convnext_tiny');
    loaded.dispose();
    model.dispose();
    x.dispose();
  });

  it('backbone.weights: a relative path is read from the input folder and fills every weight', async () => {
    const saved = buildBackbone('resnet18', { imgSize: 32, seed: 5 });
    mkdirSync(join(dir, 'input', 'pretrained'), { recursive: true });
    await saveBackbone(saved, join(dir, 'input', 'pretrained', 'r18'), { arch: 'resnet18', imgSize: 32, params: 0, features: 512, pretrained: null });
    process.env.SPINELAB_INPUT = join(dir, 'input');
    const cfg: ClassifyModelConfig = { ...classifyPreset('tiny').models[1], imageSize: 32, encoder: { arch: 'resnet18', weights: 'pretrained/r18' } };
    const model = buildClassifier(modelMeta(cfg), new Rng(3));
    const want = backboneLayer(saved).torchSlots();
    const differ = [...backboneLayer(model).torchSlots()].filter(([key, slot]) => {
      const [a, b] = [slot.variable.read().dataSync(), want.get(key)!.variable.read().dataSync()];
      return a.length !== b.length || a.some((v, i) => v !== b[i]);
    });
    expect(differ.map(([key]) => key)).toEqual([]);
    model.dispose();
    saved.dispose();
  });

  it('reference presets: a missing weights file says where it should be and how to fetch it', () => {
    process.env.SPINELAB_INPUT = join(dir, 'empty');
    const cfg = coordsPreset('reference');
    expect(() => buildCoordsModel(cfg.model, new Rng(0))).toThrow(
      /empty\/pretrained\/coatnet_rmlp_2_rw_384\.sw_in12k_ft_in1k\.safetensors: coatnet_rmlp_2_rw_384 weights not found: download https:\/\/huggingface\.co\/timm\/coatnet_rmlp_2_rw_384\.sw_in12k_ft_in1k\/resolve\/main\/model\.safetensors/,
    );
  });

  it('the notebooks\' backbone rows: architecture, parameter count, pretrained weights or not', () => {
    process.env.SPINELAB_INPUT = join(dir, 'empty');
    const ref = describeCoordsBackbone(coordsPreset('reference').model);
    expect(ref).toMatchObject({ arch: 'coatnet_rmlp_2_rw_384', imgSize: 384, params: 72_856_264, features: 1024 });
    expect(backboneRow(ref)['pretrained weights']).toMatch(/coatnet_rmlp_2_rw_384\.sw_in12k_ft_in1k\.safetensors \(not found\)$/);
    const demo = describeCoordsBackbone(coordsPreset('demo').model);
    expect(demo.arch).toMatch(/^residual CNN "small"/);
    expect(backboneRow(demo)['pretrained weights']).toBe('no (random init)');
    const [crop, , , scs2] = classifyPreset('reference').models;
    expect(describeEncoder(crop.encoder, crop.imageSize)).toMatchObject({ arch: 'coatnet_1_rw_224', params: 40_952_502, features: 768 });
    expect(describeEncoder(scs2.encoder, scs2.imageSize)).toMatchObject({ arch: 'coatnet_2_rw_224', params: 72_843_400, features: 1024 });
    const cpu = classifyPreset('demo').models[0];
    expect(describeEncoder(cpu.encoder, cpu.imageSize)).toMatchObject({ arch: 'CNN 16-32-64-96', features: 96, pretrained: null });
  });
});
