import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { level1Probabilities, type Level1Logits, type Level1Row } from '../../lib/classify/level1.js';
import { buildFeatures, buildLvl2Model, deriveLayout, featureTable, layoutOf } from '../../lib/lvl2/index.js';

const T1 = 'Sagittal T1' as const;
const T2 = 'Sagittal T2/STIR' as const;

/** A model with one row per (series, level); logits filled by `value(row, column)`. */
function model(name: string, target: 'all' | 'scs', series: [number, number, typeof T1 | typeof T2][], value: (r: Level1Row, col: number) => number): Level1Logits {
  const rows: Level1Row[] = series.flatMap(([studyId, seriesId, description]) => [0, 1, 2, 3, 4].map((level) => ({ studyId, seriesId, description, level })));
  const w = target === 'all' ? 15 : 3;
  return { name, target, rows, logits: Float32Array.from(rows.flatMap((r) => Array.from({ length: w }, (_, c) => value(r, c)))) };
}

describe('level-2 feature layout', () => {
  it('derives the head widths from the level-1 models (reference Theo-only config: [12, 6, 6], 147,465 parameters)', () => {
    const series: [number, number, typeof T1 | typeof T2][] = [[1, 11, T1], [1, 12, T2]];
    const sets = [
      model('crop', 'all', series, () => 0),
      model('crop_2', 'all', series, () => 0),
      model('scs_crop_coords', 'scs', [[1, 12, T2]], () => 0),
      model('scs_crop_coords_2', 'scs', [[1, 12, T2]], () => 0),
    ];
    const layout = deriveLayout(sets);
    expect(layout.dims).toEqual({ scs: 12, nfn: 6, ss: 6 });
    expect(layout.columns.scs[0]).toBe('mean(crop, crop_2) · Sagittal T1 · normal_mild');
    expect(layout.columns.scs[11]).toBe('scs_crop_coords_2 · Sagittal T2/STIR · severe');
    const m = buildLvl2Model({ dims: layout.dims, hidden: 4096, leak: 0.05 }, new Rng(0));
    expect(m.countParams()).toBe(147465); // the reference's logged count for this config (§6.3)
    m.dispose();
  });

  it('refuses to average all-target models that cover different series types', () => {
    expect(() => layoutOf([
      { name: 'a', target: 'all', types: [T1, T2] },
      { name: 'b', target: 'all', types: [T2] },
    ])).toThrow(/same series types/);
  });

  it('needs features for every head', () => {
    expect(() => layoutOf([{ name: 's', target: 'scs', types: [T2] }])).toThrow(/NFN/);
  });
});

describe('level-2 features', () => {
  // Study 1: one T1, two T2 series. Study 2: T2 only. Study 3: no level-1 row at all.
  const series: [number, number, typeof T1 | typeof T2][] = [[1, 11, T1], [1, 12, T2], [1, 13, T2], [2, 22, T2]];
  const v = (r: Level1Row, c: number) => r.seriesId * 100 + r.level * 20 + c; // identifiable values
  const crop = model('crop', 'all', series, v);
  const crop2 = model('crop_2', 'all', series, (r, c) => -v(r, c) + 2); // average with crop = 1 everywhere
  const scs = model('scs', 'scs', series.filter((s) => s[2] === T2), v);
  const f = buildFeatures([crop, scs], [1, 2, 3]);
  const at = (g: 'scs' | 'nfn' | 'ss', study: number, row: number, col: number) => {
    const rows = g === 'scs' ? 5 : 10;
    return f.x[g][(study * rows + row) * f.layout.dims[g] + col];
  };

  it('means over the series of a type, per level and condition; zeros where a type is absent', () => {
    expect(f.layout.dims).toEqual({ scs: 9, nfn: 6, ss: 6 });
    // Study 1, SCS at L3/L4 (level 2, condition 0): T1 = series 11, T2 = mean of series 12 and 13.
    expect(at('scs', 0, 2, 0)).toBe(11 * 100 + 40 + 0);
    expect(at('scs', 0, 2, 3 + 1)).toBe((12 * 100 + 13 * 100) / 2 + 40 + 1);
    // Study 1, right NFN (condition 2) at L5/S1: NFN row 5 + 4 = 9, class column 2 of the T1 block.
    expect(at('nfn', 0, 9, 2)).toBe(11 * 100 + 80 + 2 * 3 + 2);
    // Study 1, left SS (condition 3) at L1/L2 from T2: SS row 0.
    expect(at('ss', 0, 0, 3)).toBe((1200 + 1300) / 2 + 3 * 3);
    // Study 2 has no T1: its T1 columns are zeros, its T2 columns are series 22.
    expect(at('nfn', 1, 0, 0)).toBe(0);
    expect(at('nfn', 1, 0, 3)).toBe(2200 + 1 * 3);
    // Study 3 has nothing: all zeros.
    expect(f.x.scs.slice(2 * 5 * 9).every((x) => x === 0)).toBe(true);
  });

  it('appends the SCS model to the SCS rows only', () => {
    // Columns 6..8 of the SCS rows: the SCS model's T2 mean; NFN/SS rows have no such columns.
    expect(at('scs', 0, 4, 6 + 2)).toBe((1200 + 1300) / 2 + 80 + 2);
    expect(at('scs', 1, 1, 6)).toBe(2200 + 20);
  });

  it('averages the all-target models at the logit level', () => {
    const g = buildFeatures([crop, crop2, scs], [1]);
    expect(Array.from(g.x.nfn.subarray(0, 6))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(g.x.scs[6]).toBe(f.x.scs[6]); // SCS model block unchanged
  });

  it('keeps the training layout at inference, even when a test set has no T1 series', () => {
    const testOnlyT2 = model('crop', 'all', [[9, 91, T2]], v);
    const testScs = model('scs', 'scs', [[9, 91, T2]], v);
    const g = buildFeatures([testOnlyT2, testScs], [9], f.layout);
    expect(g.layout.dims).toEqual(f.layout.dims);
    expect(g.x.nfn[0]).toBe(0);
    expect(g.x.nfn[3]).toBe(9100 + 3);
  });

  it('shows one study as a table per head', () => {
    const t = featureTable(f, 2);
    expect(t.scs).toHaveLength(5);
    expect(t.nfn).toHaveLength(10);
    expect(t.nfn[5]).toMatchObject({ condition: 'R-NFN', level: 'L1/L2', 'crop · Sagittal T2/STIR · normal_mild': 2200 + 6 });
  });

  it('level-1 alone: softmax of the mean logits over all models and series; uniform where none', () => {
    const p = level1Probabilities([crop, scs], [2, 3]);
    // Study 2, SCS L1/L2: crop (series 22, condition 0) and scs (series 22) both give z = 2200 + [0,1,2].
    const z = [0, 1, 2];
    const e = z.map((x) => Math.exp(x - 2));
    expect(p[0]).toBeCloseTo(e[0] / (e[0] + e[1] + e[2]), 12);
    expect(Array.from(p.slice(75, 78))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });
});
