import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predictCropLogits } from '../../lib/classify/predict.js';
import { CLASSIFY_PRESETS, type ClassifyModelConfig } from '../../lib/classify/presets.js';
import { trainClassifier } from '../../lib/classify/train.js';
import { readCsv } from '../../lib/core/csv.js';
import { readNpy } from '../../lib/core/npy.js';
import { initBackend } from '../../lib/engine/backend.js';
import { makeCropFixture } from './fixtures.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const quick = (over: Partial<ClassifyModelConfig>): ClassifyModelConfig => ({
  ...CLASSIFY_PRESETS.tiny.models[0],
  imageSize: 16,
  encoder: { widths: [8, 16], residual: false },
  ...over,
  train: { ...CLASSIFY_PRESETS.tiny.models[0].train, epochs: 1, batchSize: 8, nFolds: 2, evalBatchSize: 16, ...over.train },
});

describe('training through the shared loop (WASM)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cls-train-'));
  const fx = makeCropFixture(dir, 6, 3);
  const opts = { inputDir: dir, outDir: dir };

  it('writes OOF logits N×5×3 with their rows, and the fold checkpoint re-predicts them identically', async () => {
    const cfg = quick({ name: 'crop_t', nFrames: 5, head: { kind: 'lstm_side', delta: 1 } });
    const run = await trainClassifier(cfg, opts);
    const mdir = join(dir, 'models', 'crop_t');
    const manifest = JSON.parse(readFileSync(join(mdir, 'manifest.json'), 'utf8'));
    expect(manifest.kind).toBe('logits');
    expect(manifest.model).toBe('crop_t');
    expect(manifest.nFrames).toBe(5);
    expect(manifest.ranges).toEqual({ right: [0, 2], centre: [1, 3], left: [2, 4] });
    expect(manifest.shape).toEqual([60, 5, 3]);
    const oof = readNpy(join(mdir, 'oof_logits.npy'));
    expect(oof.shape).toEqual([60, 5, 3]);
    const rows = readCsv(join(mdir, 'oof_rows.csv')).rows.map((r) => r.values);
    expect(Object.keys(rows[0])).toEqual(['study_id', 'series_id', 'series_description', 'level', 'fold']);
    expect(new Set(rows.map((r) => `${r.study_id}_${r.series_id}_${r.level}`)).size).toBe(60);
    // The folds file is shared: written once, studies never split across folds.
    expect(existsSync(join(dir, 'folds.csv'))).toBe(true);
    // Inference path on fold 0's checkpoint = the OOF logits of fold 0's rows.
    const fold0 = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.fold === '0');
    const queries = fold0.map(({ r }) => ({
      studyId: Number(r.study_id), seriesId: Number(r.series_id), description: r.series_description as 'Sagittal T1', level: ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1'].indexOf(r.level),
    }));
    const pred = await predictCropLogits([join(mdir, 'fold_0')], queries, { cropsRoot: join(dir, 'crops') });
    expect(pred.shape).toEqual([fold0.length, 5, 3]);
    fold0.forEach(({ i }, j) => {
      for (let k = 0; k < 15; k++) expect(pred.logits[j * 15 + k]).toBeCloseTo(oof.data[i * 15 + k] as number, 4);
    });
    // Fold averaging: the mean of the two fold models' logits.
    const [c0, c1] = [join(mdir, 'fold_0'), join(mdir, 'fold_1')];
    const before = tf.memory().numTensors;
    const p1 = await predictCropLogits([c1], queries.slice(0, 3), { cropsRoot: join(dir, 'crops') });
    expect(tf.memory().numTensors).toBe(before); // models and batches disposed
    const both = await predictCropLogits([c0, c1], queries.slice(0, 3), { cropsRoot: join(dir, 'crops') });
    both.logits.forEach((v, k) => expect(v).toBeCloseTo((pred.logits[k] + p1.logits[k]) / 2, 4));
    // No rows: an empty N×5×3 array, not a shapeless one.
    expect((await predictCropLogits([c0, c1], [], { cropsRoot: join(dir, 'crops') })).shape).toEqual([0, 5, 3]);
    expect(run.result.folds.every((f) => Number.isFinite(f.valLoss))).toBe(true);
  });

  it('SCS model: T2/STIR rows only, N×3 logits; its predictions refuse T1 rows', async () => {
    const cfg = quick({ name: 'scs_t', target: 'scs', nFrames: 3, head: { kind: 'lstm' } });
    await trainClassifier(cfg, opts);
    const mdir = join(dir, 'models', 'scs_t');
    const oof = readNpy(join(mdir, 'oof_logits.npy'));
    expect(oof.shape).toEqual([30, 3]);
    const rows = readCsv(join(mdir, 'oof_rows.csv')).rows;
    expect(rows.every((r) => r.values.series_description === 'Sagittal T2/STIR')).toBe(true);
    const t1 = fx.series.find((s) => s.description === 'Sagittal T1')!;
    await expect(predictCropLogits([join(mdir, 'fold_1')], [{ ...t1, level: 0 }], { cropsRoot: join(dir, 'crops') })).rejects.toThrow(/Sagittal T2\/STIR only/);
  });

  it('refuses a folds file made for another k', async () => {
    const cfg = quick({ name: 'crop_k3', train: { ...quick({}).train, nFolds: 3 } });
    await expect(trainClassifier(cfg, opts)).rejects.toThrow(/folds\.csv.*trains 3 folds but no study is in fold\(s\) 2/);
  });

  it('a missing training crop stops training with the file named', async () => {
    const t2 = fx.series.find((s) => s.description === 'Sagittal T2/STIR')!;
    rmSync(join(dir, 'crops', 'fixed', `${t2.studyId}_${t2.seriesId}_l2_l3.npy`));
    const cfg = quick({ name: 'scs_missing', target: 'scs', nFrames: 3, head: { kind: 'lstm' } });
    await expect(trainClassifier(cfg, opts)).rejects.toThrow(new RegExp(`fixed/${t2.studyId}_${t2.seriesId}_l2_l3\\.npy`));
  });
});
