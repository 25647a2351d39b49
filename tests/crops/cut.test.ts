import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCsv } from '../../lib/core/csv.js';
import { readNpy, type NdArray } from '../../lib/core/npy.js';
import { makeCrops, readCropsCsv, type CropSeriesInput } from '../../lib/crops/cut.js';
import { writeFileSync } from 'node:fs';

/** A stack whose value encodes its position: 10000·z + 100·row + col. */
function stack(slices: number, rows: number, cols: number): NdArray {
  const data = new Int16Array(slices * rows * cols);
  for (let z = 0; z < slices; z++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[(z * rows + r) * cols + c] = r * 100 + c + z * 10000;
  return { data, shape: [slices, rows, cols], dtype: 'int16' };
}

describe('makeCrops', () => {
  const stacks = new Map([['1_10', stack(3, 100, 80)], ['1_11', stack(4, 60, 60)], ['2_20', stack(2, 50, 40)]]);
  const centre = [0.5, 0.2, 0.5, 0.35, 0.5, 0.5, 0.5, 0.65, 0.5, 0.8];
  const series: CropSeriesInput[] = [
    // Labelled: level 2 is 0.05 (L1) away from the truth → replaced in `fixed`; level 0 0.01 away → kept.
    { studyId: 1, seriesId: 10, description: 'Sagittal T1', pred: centre, truth: [0.51, 0.2, NaN, NaN, 0.55, 0.5, 0.5, 0.65, 0.5, 0.8] },
    // Unlabelled: still cropped (reference skipped these, §11 item 6).
    { studyId: 1, seriesId: 11, description: 'Sagittal T2/STIR', pred: centre, truth: Array(10).fill(NaN) },
    // A prediction outside the image: whole-slice fallback, reported.
    { studyId: 2, seriesId: 20, description: 'Sagittal T2/STIR', pred: [1.3, 0.2, ...centre.slice(2)], truth: Array(10).fill(NaN) },
  ];
  const root = mkdtempSync(join(tmpdir(), 'crops-'));
  const reports = makeCrops(series, {
    root, sets: ['predicted', 'fixed'], delta: 0.1, fixThreshold: 0.03,
    loadStack: (s, r) => stacks.get(`${s}_${r}`)!,
  });

  it('writes both sets in one pass for every series and level, indexed by crops.csv', () => {
    for (const set of ['predicted', 'fixed']) {
      const table = readCsv(join(root, set, 'crops.csv'), ['study_id', 'series_id', 'series_description', 'level', 'x0', 'y0', 'x1', 'y1', 'fallback']);
      expect(table.rows.length).toBe(15);
      for (const r of table.rows) {
        const slug = r.values.level.toLowerCase().replace('/', '_');
        expect(existsSync(join(root, set, `${r.values.study_id}_${r.values.series_id}_${slug}.npy`))).toBe(true);
      }
      expect(JSON.parse(readFileSync(join(root, set, 'manifest.json'), 'utf8'))).toMatchObject({ kind: 'crops', set, delta: 0.1, nCrops: 15 });
    }
    expect(reports.map((r) => r.nSeries)).toEqual([3, 3]);
  });

  it('crops every slice of the raw stack inside the box, dtype kept', () => {
    // Series 1/10, level L1/L2, predicted: x ∈ [0.4, 0.6]·80 = [32, 48), y ∈ [0.1, 0.3]·100 = [10, 30)
    const c = readNpy(join(root, 'predicted', '1_10_l1_l2.npy'));
    expect(c.shape).toEqual([3, 20, 16]);
    expect(c.dtype).toBe('int16');
    expect(c.data[0]).toBe(10 * 100 + 32);
    expect(c.data[2 * 20 * 16 + 19 * 16 + 15]).toBe(20000 + 29 * 100 + 47);
  });

  it('the fixed set replaces only far predictions that have ground truth', () => {
    expect(reports[1].nReplaced).toBe(1);
    // L3/L4 moved to the truth (0.55, 0.5): x ∈ [0.45, 0.65]·80 = [36, 52)
    const fixed = readNpy(join(root, 'fixed', '1_10_l3_l4.npy'));
    const pred = readNpy(join(root, 'predicted', '1_10_l3_l4.npy'));
    expect(fixed.data[0] % 100).toBe(36);
    expect(pred.data[0] % 100).toBe(32);
    // L1/L2 (0.01 away) is the same crop in both sets.
    expect(Array.from(readNpy(join(root, 'fixed', '1_10_l1_l2.npy')).data)).toEqual(Array.from(readNpy(join(root, 'predicted', '1_10_l1_l2.npy')).data));
  });

  it('an out-of-image centre falls back to the whole stack and is reported', () => {
    expect(reports[0].fallbacks).toEqual([{ studyId: 2, seriesId: 20, level: 'L1/L2' }]);
    expect(readNpy(join(root, 'predicted', '2_20_l1_l2.npy')).shape).toEqual([2, 50, 40]);
    const row = readCsv(join(root, 'predicted', 'crops.csv')).rows.find((r) => r.values.series_id === '20' && r.values.level === 'L1/L2')!;
    expect(row.values).toMatchObject({ x0: '0', y0: '0', x1: '40', y1: '50', fallback: '1' });
  });

  it('readCropsCsv reads the boxes back as written, and names file and line of a bad cell', () => {
    const rows = readCropsCsv(join(root, 'predicted'));
    expect(rows).toHaveLength(15);
    // Series 1/10 L1/L2: the box of the crop checked above; 2/20 L1/L2: the whole-slice fallback.
    expect(rows.find((r) => r.seriesId === 10 && r.level === 0)).toEqual({
      studyId: 1, seriesId: 10, description: 'Sagittal T1', level: 0, box: { x0: 32, y0: 10, x1: 48, y1: 30, fallback: false },
    });
    expect(rows.find((r) => r.seriesId === 20 && r.level === 0)!.box).toEqual({ x0: 0, y0: 0, x1: 40, y1: 50, fallback: true });
    const bad = mkdtempSync(join(tmpdir(), 'crops-bad-'));
    writeFileSync(join(bad, 'crops.csv'), 'study_id,series_id,series_description,level,x0,y0,x1,y1,fallback\n1,10,Sagittal T1,L1/L2,3.5,0,4,4,0\n');
    expect(() => readCropsCsv(bad)).toThrow(/crops\.csv:2: x0 must be a pixel index, got "3\.5"/);
    expect(() => readCropsCsv(join(bad, 'nowhere'))).toThrow(/crop index missing/);
  });

  it('names the series when its stack cannot be loaded, and refuses `fixed` without truth', () => {
    expect(() => makeCrops([series[0]], { root, sets: ['predicted'], delta: 0.1, fixThreshold: 0.03, loadStack: () => { throw new Error('no file'); } }))
      .toThrow(/study 1, series 10.*no file/);
    expect(() => makeCrops([{ ...series[0], truth: undefined }], { root, sets: ['fixed'], delta: 0.1, fixThreshold: 0.03, loadStack: () => stacks.get('1_10')! }))
      .toThrow(/ground truth/);
  });
});
