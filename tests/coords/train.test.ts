import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsv } from '../../lib/core/csv.js';
import { readNpy } from '../../lib/core/npy.js';
import { initBackend } from '../../lib/engine/backend.js';
import { middleSliceU8 } from '../../lib/coords/image.js';
import { coordsPreset } from '../../lib/coords/presets.js';
import { readSeriesCoords } from '../../lib/coords/predict.js';
import { loadSpider } from '../../lib/coords/spider.js';
import { coordsReportRows, readCoordsReport, trainCoords } from '../../lib/coords/train.js';
import { countPoints, missingKeypoints } from '../../lib/coords/types.js';
import type { TrainEvent } from '../../lib/train/types.js';
import { SHARED, sharedPath } from '../helpers/shared.js';
import { toySamples } from './toy.js';

describe('trainCoords (tiny preset, toy spines)', () => {
  const out = mkdtempSync(join(tmpdir(), 'coords-train-'));
  const series = toySamples(24, 1, middleSliceU8);
  // Four unlabelled series: no training row, but they must still get out-of-fold coordinates.
  for (const i of [3, 8, 15, 20]) series[i] = { ...series[i], target: missingKeypoints() };
  const folds = new Map(series.map((s) => [s.studyId, s.studyId % 2]));
  // A study without labels has no fold: the fold ensemble predicts its series (fold −1).
  series.push({ ...series[0], studyId: 2000, seriesId: 9000, target: missingKeypoints() });
  const spider = SHARED ? loadSpider(sharedPath('spider-lumbar'), 3, 42) : null;
  const config = coordsPreset('tiny');
  config.train.nFolds = 2;
  const events: TrainEvent[] = [];
  let result: Awaited<ReturnType<typeof trainCoords>>;

  beforeAll(async () => {
    await initBackend('wasm');
    result = await trainCoords({ series, folds, spider }, config, { outDir: out, onEvent: (e) => events.push(e) });
  });

  it('trains each fold on the other fold\'s labelled series plus every SPIDER training image', () => {
    const starts = events.filter((e): e is Extract<TrainEvent, { type: 'fold-start' }> => e.type === 'fold-start');
    expect(starts.length).toBe(2);
    const nSpider = spider?.train.length ?? 0;
    for (const s of starts) {
      const f = s.fold as number;
      const labelled = series.filter((x) => countPoints(x.target) > 0);
      const labelledOther = labelled.filter((x) => folds.get(x.studyId) !== f).length;
      const labelledHere = labelled.filter((x) => folds.get(x.studyId) === f).length;
      expect(s.nTrain).toBe(labelledOther + nSpider);
      expect(s.nVal).toBe(labelledHere); // external images are never validated
    }
  });

  it('saves OOF values for labelled series and coordinates for every series, by its study\'s fold', () => {
    const dir = join(out, 'models', 'coords');
    expect(readNpy(join(dir, 'oof_values.npy')).shape).toEqual([20, 10]);
    const rows = readCsv(join(dir, 'oof_rows.csv')).rows;
    expect(rows.every((r) => r.values.source === 'competition')).toBe(true);
    const table = readSeriesCoords(join(dir, 'series_coords.csv'));
    expect(table.length).toBe(25);
    for (const r of table) {
      expect(r.fold).toBe(folds.get(r.studyId) ?? -1);
      for (const v of r.pred) expect(v > 0 && v < 1).toBe(true);
    }
    // Series-table predictions equal the loop's OOF predictions for the same rows (same checkpoints).
    const oof = readNpy(join(dir, 'oof_values.npy')).data as Float32Array;
    const first = rows[0].values;
    const match = table.find((t) => String(t.seriesId) === first.series_id)!;
    for (let k = 0; k < 10; k++) expect(match.pred[k]).toBeCloseTo(oof[k], 5);
  });

  it('reports OOF errors per series type and, with ../shared, on held-out SPIDER patients', () => {
    const r = result.report;
    expect(r.nLabelled).toBe(20);
    expect(r.oof.all.nSeries).toBe(20);
    expect(r.oof['Sagittal T1'].nSeries + r.oof['Sagittal T2/STIR'].nSeries).toBe(20);
    expect(r.oof.all.meanError).toBeGreaterThan(0);
    if (spider) expect(r.spiderHeldOut?.nSeries).toBe(spider.heldOut.length);
    expect(existsSync(join(out, 'models', 'coords', 'report.json'))).toBe(true);
  });

  it('reads the report back typed: NaN figures (saved as null) come back as NaN, a bad field is named', () => {
    const dir = join(out, 'models', 'coords');
    expect(readCoordsReport(dir)).toEqual(result.report);
    const copy = mkdtempSync(join(tmpdir(), 'coords-report-'));
    const raw = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    writeFileSync(join(copy, 'report.json'), JSON.stringify({ ...raw, oof: { ...raw.oof, 'Sagittal T1': { ...raw.oof['Sagittal T1'], meanError: NaN } } }));
    const back = readCoordsReport(copy);
    expect(back.oof['Sagittal T1'].meanError).toBeNaN();
    const rows = coordsReportRows(back);
    expect(rows.map((x) => x.set).slice(0, 3)).toEqual(['OOF all', 'OOF Sagittal T1', 'OOF Sagittal T2/STIR']);
    expect(rows[1]['mean error']).toBe('-');
    expect(rows[0]['mean error']).toBe(`${result.report.oof.all.meanError.toFixed(2)} %`);
    writeFileSync(join(copy, 'report.json'), JSON.stringify({ ...raw, nSeries: 'many' }));
    expect(() => readCoordsReport(copy)).toThrow(/report\.json: nSeries must be a number, got "many"/);
    expect(() => readCoordsReport(join(copy, 'nowhere'))).toThrow(/coordinates report missing/);
  });

  it('resumes: a second run skips both finished folds and predicts the same', async () => {
    const again: TrainEvent[] = [];
    const second = await trainCoords({ series, folds, spider }, config, { outDir: out, onEvent: (e) => again.push(e) });
    expect(again.filter((e) => e.type === 'fold-skipped').length).toBe(2);
    expect(again.some((e) => e.type === 'step')).toBe(false);
    expect(Array.from(second.series[0].pred)).toEqual(Array.from(result.series[0].pred));
  });
});
