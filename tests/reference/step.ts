import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backboneLayer } from '../../lib/backbones/index.js';
import { buildClassifier, classifierTask, classifyPreset, CropStore, modelMeta, type ClassifyModelConfig } from '../../lib/classify/index.js';
import { buildCoordsModel, coordsPreset, maskedMse, type CoordsModelConfig } from '../../lib/coords/index.js';
import { Rng } from '../../lib/core/rng.js';
import { initBackend } from '../../lib/engine/index.js';
import { trainStep } from '../../lib/train/loop.js';
import { makeOptimizer } from '../../lib/train/optim.js';
import type { TrainConfig } from '../../lib/train/types.js';

/**
 * Build one model of the `reference` preset (random weights: the ImageNet files are not in CI) and
 * take one training step on WASM with batch 1 through the shared loop's step, with the preset's
 * optimizer (Ranger) and clipping. One model per test file: vitest gives each file its own process,
 * hence its own 4 GB WASM heap (a second 13-frame step in the same heap fails, see the README).
 */
export function referenceStepSuite(name: 'coords' | 'crop' | 'crop_2' | 'scs_crop_coords' | 'scs_crop_coords_2'): void {
  describe(`reference preset: ${name}`, () => {
    it('builds the seed\'s model and takes one training step on WASM (batch 1)', async () => {
      await initBackend('wasm');
      const heapMiB = () => Math.round(((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength) / 2 ** 20);
      const rng = new Rng(0);
      let model: tf.LayersModel;
      let x: tf.Tensor;
      let y: tf.Tensor;
      let task: Parameters<typeof trainStep>[0];
      let train: TrainConfig;
      if (name === 'coords') {
        const cfg = coordsPreset('reference');
        const modelCfg: CoordsModelConfig = { ...cfg.model, backbone: { arch: 'coatnet_rmlp_2_rw_384', weights: null } };
        model = buildCoordsModel(modelCfg, rng);
        // The seed's model: 3-channel 384 px input, the CoAtNet's normalised 12 × 12 × 1024 map
        // flattened channel-major into Linear(147,456 → 10).
        expect(model.inputs[0].shape).toEqual([null, 384, 384, 3]);
        expect(backboneLayer(model).arch).toBe('coatnet_rmlp_2_rw_384');
        expect(model.getLayer('coords').getWeights()[0].shape).toEqual([147_456, 10]);
        x = tf.randomUniform([1, 384, 384, 3], 0, 1, 'float32', 1);
        y = tf.tensor2d([[0.5, 0.2, 0.5, 0.35, 0.5, 0.5, -1, -1, 0.5, 0.8]]);
        task = { name, loss: maskedMse };
        train = cfg.train;
      } else {
        const preset = classifyPreset('reference').models.find((m) => m.name === name)!;
        const cfg: ClassifyModelConfig = { ...preset, encoder: { ...(preset.encoder as { arch: 'coatnet_1_rw_224' | 'coatnet_2_rw_224' }), weights: null } };
        const meta = modelMeta(cfg);
        model = buildClassifier(meta, rng);
        const arch = name === 'scs_crop_coords_2' ? 'coatnet_2_rw_224' : 'coatnet_1_rw_224';
        const features = arch === 'coatnet_2_rw_224' ? 1024 : 768;
        expect(model.inputs[0].shape).toEqual([null, cfg.nFrames, 224, 224, 3]);
        expect(backboneLayer(model).arch).toBe(arch);
        expect((backboneLayer(model).output as tf.SymbolicTensor).shape).toEqual([null, features]);
        // Bidirectional LSTM with hidden C/4 per direction (input kernel [C, 4·C/4]).
        const lstm = model.layers.find((l) => l.getClassName() === 'Bidirectional')!;
        expect(lstm.getWeights()[0].shape).toEqual([features, features]);
        x = tf.randomUniform([1, cfg.nFrames, 224, 224, 3], 0, 1, 'float32', 1);
        y = cfg.target === 'all' ? tf.oneHot(tf.tensor2d([[0, 1, 2, 0, 1]], [1, 5], 'int32'), 3).toFloat() : tf.oneHot(tf.tensor1d([1], 'int32'), 3).toFloat();
        task = classifierTask(cfg, [], new CropStore('unused'));
        train = cfg.train;
      }
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const optimizer = makeOptimizer(train.optimizer, vars);
      const stem = backboneLayer(model).torchSlots().get('stem.conv1.weight')!.variable;
      const before = stem.read().dataSync().slice();
      const t0 = Date.now();
      const loss = trainStep(task, model, vars, optimizer, { x, y }, train.optimizer.lr, train.gradClip);
      const seconds = (Date.now() - t0) / 1000;
      console.log(`[reference step] ${name}: ${model.countParams()} weights, loss ${loss.toFixed(4)}, ${seconds.toFixed(1)} s, WASM heap ${heapMiB()} MiB`);
      expect(Number.isFinite(loss)).toBe(true);
      // The step reached the first layer of the backbone.
      const after = stem.read().dataSync();
      expect(after.some((v, i) => v !== before[i])).toBe(true);
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
    }, 600_000);
  });
}
