import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/engine/backend.js';
import { loadModel } from '../../lib/engine/io.js';
import { predictRows, readOof, shouldEvaluate, trainKFold, type TrainConfig, type TrainEvent } from '../../lib/train/index.js';
import { toyTask } from './toy.js';

const makeTask = (name = 'toy') => toyTask({ name });

const config: TrainConfig = {
  epochs: 6, batchSize: 8, evalBatchSize: 16, nFolds: 3, evalEvery: 5, gradClip: 1,
  optimizer: { name: 'adamw', lr: 0.03, weightDecay: 0.01 }, schedule: { kind: 'linear' },
};

describe('shared training loop', () => {
  let out: string;
  beforeAll(async () => {
    await initBackend(); // wasm on this machine: the loop must train there
    out = mkdtempSync(join(tmpdir(), 'spinelab-train-'));
  });

  it('evaluates every N steps, never within the last N before the end, and at the end', () => {
    const at = (total: number, every: number) => Array.from({ length: total }, (_, i) => i + 1).filter((s) => shouldEvaluate(s, total, every));
    expect(at(165, 20)).toEqual([20, 40, 60, 80, 100, 120, 140, 165]);
    expect(at(10, 5)).toEqual([5, 10]);
    expect(at(7, 0)).toEqual([7]);
  });

  it('trains k folds, writes checkpoints and row-aligned OOF files, keeps the tensor count', async () => {
    const task = makeTask();
    const before = tf.memory().numTensors;
    const events: TrainEvent[] = [];
    const res = await trainKFold(task, config, { outDir: out, onEvent: (e) => events.push(e) });
    expect(tf.memory().numTensors).toBe(before);

    expect(res.folds.map((f) => f.fold)).toEqual([0, 1, 2]);
    const fold0 = res.folds[0];
    expect(fold0.steps).toBe(6 * Math.floor(40 / 8));
    expect(fold0.curve.map((p) => p.step)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(fold0.curve[0].valLoss).toBeGreaterThan(fold0.curve.at(-1)!.valLoss); // it learns
    expect(fold0.metric).toBeGreaterThan(0.6);
    expect(events.filter((e) => e.type === 'eval')).toHaveLength(18);

    const dir = join(out, 'models', 'toy');
    const oof = readOof(dir, 'logits');
    expect(oof.manifest.shape).toEqual([60, 3]);
    expect(oof.manifest.purpose).toBe('test');
    expect(oof.manifest.cv?.value).toBeGreaterThan(0.6);
    // Rows in fold order, each with its fold; predictions aligned with them.
    expect(oof.rows.map((r) => Number(r.fold))).toEqual([...Array(20).fill(0), ...Array(20).fill(1), ...Array(20).fill(2)]);
    expect(oof.rows[0].study_id).toBe('100');
    expect(oof.rows[20].study_id).toBe('101');
    // The saved checkpoint reproduces the fold's validation predictions.
    const { model, meta } = await loadModel<{ fold: number }>(join(dir, 'fold_1'));
    expect(meta?.fold).toBe(1);
    const valIdx = task.data.rows.map((_, i) => i).filter((i) => i % 3 === 1);
    const again = await predictRows(task, model, valIdx, 16);
    model.dispose();
    expect(Array.from(again.data)).toEqual(Array.from(oof.data.slice(20 * 3, 40 * 3)));
    expect(readFileSync(join(dir, 'log.txt'), 'utf8')).toMatch(/toy fold_2 epoch 6\.00 step 30 .*val_loss=.* acc=/);
  });

  it('resumes: finished folds are skipped, an unfinished one is retrained, the result is the same', async () => {
    const dir = join(out, 'models', 'toy');
    const first = readOof(dir).data.slice();
    rmSync(join(dir, 'fold_1', 'result.json')); // as if killed after the checkpoint, before the end
    const events: TrainEvent[] = [];
    await trainKFold(makeTask(), config, { outDir: out, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'fold-skipped').map((e) => (e as { fold: number }).fold)).toEqual([0, 2]);
    expect(events.filter((e) => e.type === 'fold-start').map((e) => (e as { fold: number }).fold)).toEqual([1]);
    expect(Array.from(readOof(dir).data)).toEqual(Array.from(first)); // seeded: bit-identical
  });

  it('refuses to mix folds trained with another configuration, unless asked to retrain', async () => {
    const other = { ...config, optimizer: { ...config.optimizer, lr: 0.01 } };
    await expect(trainKFold(makeTask(), other, { outDir: out })).rejects.toThrow(/another configuration/);
    const res = await trainKFold(makeTask(), { ...other, folds: [2] }, { outDir: out, onConfigChange: 'retrain' });
    expect(res.folds[0].seconds).toBeGreaterThan(0);
    expect(res.manifest).toBeUndefined(); // not all folds selected: no OOF assembly
  });

  it('trains with Ranger and a cosine schedule, plus a full fit', async () => {
    const ranger: TrainConfig = { ...config, epochs: 15, optimizer: { name: 'ranger', lr: 0.1 }, schedule: { kind: 'cosine', warmup: 0.1 }, fullFit: true, folds: [0] };
    const res = await trainKFold(makeTask('toy_ranger'), ranger, { outDir: out });
    expect(res.folds[0].metric).toBeGreaterThan(0.6);
    expect(res.fullFit?.nTrain).toBe(60);
    expect(existsSync(join(out, 'models', 'toy_ranger', 'fullfit', 'model.json'))).toBe(true);
  });

  it('a non-finite loss stops training with a clear error', async () => {
    const task = makeTask('toy_nan');
    task.loss = (pred) => tf.div(tf.sum(pred), 0) as tf.Scalar;
    await expect(trainKFold(task, { ...config, folds: [0] }, { outDir: out })).rejects.toThrow(/toy_nan fold 0: training loss is (NaN|Infinity|-Infinity) at step 1/);
  });
});
