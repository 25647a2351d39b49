import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCropRows, CropDataset, makeSample, oneHot, type CropRow, type SampleConfig } from '../../lib/classify/dataset.js';
import { cropPath, CropStore, readCropIndex } from '../../lib/classify/store.js';
import { writeNpy } from '../../lib/core/npy.js';
import { Rng } from '../../lib/core/rng.js';
import { makeCropFixture } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cfg: SampleConfig & { mixup: { p: number; alpha: number } } = {
  target: 'all', nFrames: 3, imageSize: 6, augment: null, flip: true, trainCrops: 'fixed', mixup: { p: 0, alpha: 0.4 },
};

/** A crop whose slice z is constant 10·z (so a channel's value tells which slice it came from). */
function sliceCodedCrop(root: string, set: string, L: number): CropRow {
  const row: CropRow = { studyId: 7, seriesId: 8, description: 'Sagittal T1', level: 2, labels: Int8Array.from([2, 1, 0, -1, 2]), fold: 0 };
  const data = new Int16Array(L * 6 * 6);
  for (let z = 0; z < L; z++) data.fill(10 * z, z * 36, (z + 1) * 36);
  writeNpy(cropPath(root, set as 'fixed', row), { data, shape: [L, 6, 6] });
  return row;
}

describe('crop rows', () => {
  it('carry the study labels of their level in [SCS, L-NFN, R-NFN, L-SS, R-SS] order; SCS models keep T2 rows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cls-rows-'));
    const fx = makeCropFixture(dir, 3);
    const index = readCropIndex(join(dir, 'crops'));
    expect(index.length).toBe(3 * 2 * 5);
    const folds = new Map(fx.studies.map((s, i) => [s, i % 2]));
    const rows = buildCropRows(index, fx.labels, folds, 'all');
    const r = rows.find((x) => x.level === 3 && x.description === 'Sagittal T1')!;
    const l = fx.labels.get(r.studyId)!;
    expect(Array.from(r.labels)).toEqual([l[3], l[8], l[13], l[18], l[23]]);
    expect(r.fold).toBe(folds.get(r.studyId));
    const scs = buildCropRows(index, fx.labels, folds, 'scs');
    expect(scs.length).toBe(15);
    expect(scs.every((x) => x.description === 'Sagittal T2/STIR')).toBe(true);
  });
});

describe('samples', () => {
  it('a missing crop file is a loud error naming the file, never a black image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cls-miss-'));
    const row = sliceCodedCrop(dir, 'predicted', 9);
    const store = new CropStore(dir);
    // Training reads the fixed set, which does not exist here.
    expect(() => makeSample(store, row, cfg, 'train', new Rng(0))).toThrow(/fixed\/7_8_l3_l4\.npy.*crop file missing/);
    expect(() => makeSample(store, row, cfg, 'eval', new Rng(0))).not.toThrow();
    rmSync(cropPath(dir, 'predicted', row));
    expect(() => makeSample(new CropStore(dir), row, cfg, 'eval', new Rng(0))).toThrow(/predicted\/7_8_l3_l4\.npy/);
  });

  it('evaluation reads the centre frames, deterministic, without flip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cls-eval-'));
    const row = sliceCodedCrop(dir, 'predicted', 9);
    const s = makeSample(new CropStore(dir), row, cfg, 'eval', new Rng(0));
    // L = 9: centre 4 → slices (2,3,4)(3,4,5)(4,5,6); 8-bit scaling maps 10·z over 0..80 to z·255/8.
    expect(Array.from(s.slices)).toEqual([3, 4, 5, 4, 5, 6, 5, 6, 7].map((v) => v - 1));
    const perChannel = Array.from({ length: 9 }, (_, k) => s.image.data[k * 36]);
    perChannel.forEach((v, k) => expect(v).toBeCloseTo(Math.trunc((s.slices[k] * 255) / 8) / 255, 6));
    expect(s.flipped).toBe(false);
    expect(Array.from(s.target)).toEqual(Array.from(oneHot([2, 1, 0, -1, 2])));
  });

  it('a flipped training sample mirrors the slices and swaps left/right labels (the patient is mirrored)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cls-flip-'));
    const row = sliceCodedCrop(dir, 'fixed', 15);
    const store = new CropStore(dir);
    const seen = { flipped: 0, plain: 0 };
    for (let seed = 0; seed < 12; seed++) {
      const s = makeSample(store, row, cfg, 'train', new Rng(seed));
      // Value of channel k → slice index (8-bit value trunc(255·z/14), recovered by rounding).
      const z = Array.from({ length: 9 }, (_, k) => Math.round((s.image.data[k * 36] * 14 * 255) / 255));
      if (s.flipped) {
        seen.flipped++;
        expect(z).toEqual(Array.from(s.slices).reverse()); // every channel reversed, not just frames
        // [SCS, L-NFN, R-NFN, L-SS, R-SS] = [2, 1, 0, -1, 2] → [2, 0, 1, 2, -1]
        expect(Array.from(s.target)).toEqual(Array.from(oneHot([2, 0, 1, 2, -1])));
      } else {
        seen.plain++;
        expect(z).toEqual(Array.from(s.slices));
        expect(Array.from(s.target)).toEqual(Array.from(oneHot([2, 1, 0, -1, 2])));
      }
      // Training jitter stays within ±1 for 3 frames: centre 7 → middle slice 6..8.
      expect(Math.abs(s.slices[4] - 7)).toBeLessThanOrEqual(1);
    }
    expect(seen.flipped).toBeGreaterThan(0);
    expect(seen.plain).toBeGreaterThan(0);
  });

  it('batches are NHWC frames [B, n, S, S, 3] with channel c of frame f = slice 3f + c', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cls-batch-'));
    const row = sliceCodedCrop(dir, 'predicted', 9);
    const ds = new CropDataset([row, { ...row }], new CropStore(dir), cfg);
    const b = ds.batch([0, 1], 'eval', new Rng(0));
    const x = b.x as tf.Tensor;
    expect(x.shape).toEqual([2, 3, 6, 6, 3]);
    expect((b.y as tf.Tensor).shape).toEqual([2, 5, 3]);
    const v = x.arraySync() as number[][][][][];
    const slices = [2, 3, 4, 3, 4, 5, 4, 5, 6];
    for (let f = 0; f < 3; f++) for (let c = 0; c < 3; c++) expect(v[1][f][2][5][c]).toBeCloseTo(Math.trunc((slices[3 * f + c] * 255) / 8) / 255, 6);
    expect(ds.rows[0]).toEqual({ study_id: 7, series_id: 8, series_description: 'Sagittal T1', level: 'L3/L4' });
    tf.dispose([x, b.y as tf.Tensor]);
  });
});
