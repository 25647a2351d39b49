import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsv } from '../../lib/core/csv.js';
import { readNpy } from '../../lib/core/npy.js';
import { initBackend } from '../../lib/engine/backend.js';
import { LEVEL_SLUGS, SAGITTAL_DESCRIPTIONS } from '../../lib/data/vocabulary.js';
import { prepareSplit, loadPrepared, loadStack } from '../../lib/prepare/index.js';
import { generateDataset } from '../../lib/synth/generate.js';
import { coordsPreset, loadCoordsData, middleSliceU8, predictPreparedSplit, readSeriesCoords, runCoordsStage } from '../../lib/coords/index.js';
import { cropPreparedSeries, cropsPreset, runCropsStage, type CropSetReport } from '../../lib/crops/index.js';

/**
 * The whole stage on a tiny synthetic split: synth → prepare → train coords (tiny) → crops.
 * Checks the contracts between stages, not the accuracy (the tiny preset trains for seconds).
 */
describe('coords + crops stages on a prepared synthetic split', () => {
  const root = mkdtempSync(join(tmpdir(), 'coords-stage-'));
  const input = join(root, 'input');
  const out = join(root, 'output');
  let reports: CropSetReport[];
  let sagittal: Array<{ studyId: number; seriesId: number; shape: number[] }>;

  beforeAll(async () => {
    await initBackend('wasm');
    await generateDataset({ out: input, size: 'tiny', studies: 6, testStudies: 1, seed: 3 });
    await prepareSplit({ input, split: 'train', out: join(out, 'prepared', 'train'), workers: 0 });
    sagittal = loadPrepared(join(out, 'prepared', 'train'))
      .filter((p) => (SAGITTAL_DESCRIPTIONS as readonly string[]).includes(p.description))
      .map((p) => ({ studyId: p.studyId, seriesId: p.seriesId, shape: p.shape }));
    await runCoordsStage({ input, out }, coordsPreset('tiny'), {});
    reports = runCropsStage({ out, config: cropsPreset('tiny') });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('uses the reference middle slice of every sagittal series and the mapped labels as targets', () => {
    const data = loadCoordsData({ input, out }, coordsPreset('tiny'));
    expect(data.series.length).toBe(sagittal.length);
    const s = data.series[0];
    const again = middleSliceU8(loadStack(join(out, 'prepared', 'train'), s.studyId, s.seriesId));
    expect(Array.from(again.data)).toEqual(Array.from(s.image.data));
    expect(data.series.filter((x) => x.target.some(Number.isFinite)).length).toBeGreaterThan(sagittal.length / 2);
  });

  it('predicts every sagittal series out of fold', () => {
    const coords = readSeriesCoords(join(out, 'models', 'coords', 'series_coords.csv'));
    expect(coords.map((c) => `${c.studyId}_${c.seriesId}`).sort()).toEqual(sagittal.map((c) => `${c.studyId}_${c.seriesId}`).sort());
  });

  it('writes both crop sets for every sagittal series and level, through all slices', () => {
    for (const set of ['predicted', 'fixed'] as const) {
      const rows = readCsv(join(out, 'crops', set, 'crops.csv')).rows;
      expect(rows.length).toBe(5 * sagittal.length);
      for (const s of sagittal) {
        for (const slug of LEVEL_SLUGS) {
          const f = join(out, 'crops', set, `${s.studyId}_${s.seriesId}_${slug}.npy`);
          expect(existsSync(f), f).toBe(true);
        }
        const crop = readNpy(join(out, 'crops', set, `${s.studyId}_${s.seriesId}_l3_l4.npy`));
        expect(crop.shape[0]).toBe(s.shape[0]);
        expect(crop.shape[1]).toBeLessThanOrEqual(s.shape[1]);
      }
    }
    expect(reports.map((r) => r.set)).toEqual(['predicted', 'fixed']);
  });

  it('predicts a prepared split for inference with the fold ensemble, and names a missing checkpoint', async () => {
    const prepared = join(out, 'prepared', 'train');
    const rows = await predictPreparedSplit({ out, preparedDir: prepared, models: 'folds', nFolds: 4 });
    expect(rows.length).toBe(sagittal.length);
    const oof = new Map(readSeriesCoords(join(out, 'models', 'coords', 'series_coords.csv')).map((c) => [c.seriesId, c]));
    for (const r of rows) {
      expect(r.fold).toBe(-1);
      expect(Array.from(r.truth).every(Number.isNaN)).toBe(true);
      // The ensemble includes the series' own fold model but is not that model alone.
      expect(r.pred.some((v, k) => v !== oof.get(r.seriesId)!.pred[k])).toBe(true);
    }
    await expect(predictPreparedSplit({ out, preparedDir: prepared, models: 'fullfit', nFolds: 4 })).rejects.toThrow(/fullfit.*no saved model/);
    // Inference crops: the same cut, one `predicted` set, no ground truth needed.
    const report = cropPreparedSeries(rows, { preparedDir: prepared, root: join(out, 'infer-crops'), config: cropsPreset('tiny') });
    expect(report.nCrops).toBe(5 * sagittal.length);
    expect(readCsv(join(out, 'infer-crops', 'predicted', 'crops.csv')).rows.length).toBe(5 * sagittal.length);
    expect(existsSync(join(out, 'infer-crops', 'fixed'))).toBe(false);
  });
});
