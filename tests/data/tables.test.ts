import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  TARGETS, readTrainLabels, readSeriesDescriptions, readLabelCoordinates, readSampleSubmission,
  readOrMakeFolds, makeFolds, defaultFoldsFile, conditionsOn, targetCondition, targetIndex, targetLabel, targetLevel,
} from '../../lib/data/index.js';
import { InputLayoutError } from '../../lib/core/errors.js';
import { Rng } from '../../lib/core/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'spinelab-tables-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function csv(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}
const header = ['study_id', ...TARGETS].join(',');
const row = (id: string, cells: string[]) => [id, ...cells].join(',');
const normal = TARGETS.map(() => 'Normal/Mild');

describe('readTrainLabels', () => {
  it('maps severities to 0/1/2 and empty to -1, keeping big IDs exact', () => {
    const cells = normal.slice();
    cells[0] = 'Moderate'; cells[24] = 'Severe'; cells[7] = '';
    const f = csv('train.csv', [header, row('3390218084', cells), row('4003253', normal)].join('\n') + '\n');
    const m = readTrainLabels(f);
    expect([...m.keys()]).toEqual([3390218084, 4003253]);
    const l = m.get(3390218084)!;
    expect(l[0]).toBe(1); expect(l[24]).toBe(2); expect(l[7]).toBe(-1); expect(l[1]).toBe(0);
  });
  it('names file and line for an unknown severity', () => {
    const cells = normal.slice(); cells[3] = 'Mild';
    const f = csv('bad_sev.csv', [header, row('1', normal), row('2', cells)].join('\n'));
    expect(() => readTrainLabels(f)).toThrow(InputLayoutError);
    expect(() => readTrainLabels(f)).toThrow(`${f}:3: column ${TARGETS[3]}: unknown severity "Mild"`);
  });
  it('names file and line for a duplicated study', () => {
    const f = csv('dup.csv', [header, row('1', normal), row('2', normal), row('1', normal)].join('\n'));
    expect(() => readTrainLabels(f)).toThrow(`${f}:4: study 1 is listed twice`);
  });
  it('names the missing column', () => {
    const f = csv('nocol.csv', [header.replace(`,${TARGETS[9]}`, ''), row('1', normal.slice(1))].join('\n'));
    expect(() => readTrainLabels(f)).toThrow(new RegExp(`${f}:1: missing column\\(s\\) ${TARGETS[9]}`));
  });
});

describe('other tables', () => {
  it('reads series descriptions (quoted commas kept) and rejects duplicates', () => {
    const f = csv('sd.csv', 'study_id,series_id,series_description\n1,10,Sagittal T1\n1,11,"Axial T2, fat sat"\n');
    expect(readSeriesDescriptions(f)).toEqual([
      { studyId: 1, seriesId: 10, description: 'Sagittal T1' },
      { studyId: 1, seriesId: 11, description: 'Axial T2, fat sat' },
    ]);
    const g = csv('sd2.csv', 'study_id,series_id,series_description\n1,10,Sagittal T1\n1,10,Axial T2\n');
    expect(() => readSeriesDescriptions(g)).toThrow(`${g}:3: series 10 of study 1 is listed twice`);
    const h = csv('sd3.csv', 'study_id,series_id,series_description\n1,x10,Sagittal T1\n');
    expect(() => readSeriesDescriptions(h)).toThrow(`${h}:2: column series_id`);
  });
  it('reads label coordinates and rejects unknown spellings', () => {
    const hdr = 'study_id,series_id,instance_number,condition,level,x,y\n';
    const f = csv('lc.csv', hdr + '4003253,702807833,8,Spinal Canal Stenosis,L1/L2,322.831858,227.964602\n');
    expect(readLabelCoordinates(f)).toEqual([{ studyId: 4003253, seriesId: 702807833, instanceNumber: 8, condition: 'Spinal Canal Stenosis', level: 'L1/L2', x: 322.831858, y: 227.964602 }]);
    const g = csv('lc2.csv', hdr + '1,2,3,Spinal Canal Stenosis,L1-L2,1,2\n');
    expect(() => readLabelCoordinates(g)).toThrow(`${g}:2: unknown level "L1-L2"`);
    const h = csv('lc3.csv', hdr + '1,2,3,spinal canal stenosis,L1/L2,1,2\n');
    expect(() => readLabelCoordinates(h)).toThrow(`${h}:2: unknown condition`);
    const i = csv('lc4.csv', hdr + '1,2,3,Spinal Canal Stenosis,L1/L2,,2\n');
    expect(() => readLabelCoordinates(i)).toThrow(`${i}:2: column x: "" is not a number`);
  });
  it('reads the sample submission row ids', () => {
    const f = csv('ss.csv', 'row_id,normal_mild,moderate,severe\n44036939_spinal_canal_stenosis_l1_l2,0.333,0.333,0.333\n44036939_right_subarticular_stenosis_l5_s1,0.3,0.3,0.3\n');
    expect(readSampleSubmission(f)).toEqual([
      { rowId: '44036939_spinal_canal_stenosis_l1_l2', studyId: 44036939, target: 0 },
      { rowId: '44036939_right_subarticular_stenosis_l5_s1', studyId: 44036939, target: 24 },
    ]);
    const g = csv('ss2.csv', 'row_id,normal_mild,moderate,severe\n44036939_spinal_stenosis_l1_l2,1,0,0\n');
    expect(() => readSampleSubmission(g)).toThrow(`${g}:2: row_id`);
  });
});

describe('target indices', () => {
  it('name the 25 targets condition-major, as the column names of train.csv', () => {
    TARGETS.forEach((name, t) => {
      expect(targetIndex(targetCondition(t), targetLevel(t))).toBe(t);
      // e.g. left_neural_foraminal_narrowing_l4_l5 ↔ "L-NFN L4/L5"
      const [short, level] = targetLabel(t).split(' ');
      expect(name.endsWith(level.toLowerCase().replace('/', '_'))).toBe(true);
      expect(name.startsWith({ SCS: 'spinal', 'L-NFN': 'left_neural', 'R-NFN': 'right_neural', 'L-SS': 'left_sub', 'R-SS': 'right_sub' }[short]!)).toBe(true);
    });
  });

  it('conditionsOn lists the conditions annotated on a series type', () => {
    expect(conditionsOn('Sagittal T2/STIR')).toEqual([0]);
    expect(conditionsOn('Sagittal T1')).toEqual([1, 2]);
    expect(conditionsOn('Axial T2')).toEqual([3, 4]);
  });
});

describe('folds', () => {
  // Labels with rare classes, as in the competition (Severe ≈ 5–20 %, some missing).
  const rng = new Rng(7);
  const studies = Array.from({ length: 403 }, (_, i) => 1000 + i * 37);
  const labels = new Map(studies.map((s) => [s, Int8Array.from(TARGETS, (_, t) => {
    const u = rng.random();
    return u < 0.03 ? -1 : u < 0.08 + t * 0.004 ? 2 : u < 0.25 ? 1 : 0;
  })]));

  it('are balanced in size and stratified on every (target, class)', () => {
    const k = 4;
    const folds = makeFolds(studies, labels, k, 42);
    expect(folds.size).toBe(studies.length);
    const sizes = [0, 0, 0, 0];
    for (const f of folds.values()) sizes[f]++;
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    // Per stratum, fold counts stay close to the even share; a random balanced assignment of the
    // same studies is off by about 3× more.
    const deviation = (fold: (s: number) => number) => {
      let worst = 0, sum = 0, cells = 0;
      for (let t = 0; t < TARGETS.length; t++) for (const c of [-1, 0, 1, 2]) {
        const per = [0, 0, 0, 0];
        for (const s of studies) if (labels.get(s)![t] === c) per[fold(s)]++;
        const total = per.reduce((a, b) => a + b, 0);
        for (const p of per) { const d = Math.abs(p - total / k); worst = Math.max(worst, d); sum += d; cells++; }
      }
      return { worst, mean: sum / cells };
    };
    const ours = deviation((s) => folds.get(s)!);
    const shuffled = new Rng(3).shuffle(studies);
    const random = deviation((s) => shuffled.indexOf(s) % k);
    expect(ours.worst).toBeLessThanOrEqual(4);
    expect(ours.mean).toBeLessThan(random.mean / 2);
  });

  it('are reproducible from the seed and different for another seed', () => {
    const a = makeFolds(studies, labels, 4, 1);
    expect([...makeFolds(studies, labels, 4, 1)]).toEqual([...a]);
    const b = makeFolds(studies, labels, 4, 2);
    expect([...b].filter(([s, f]) => a.get(s) !== f).length).toBeGreaterThan(100);
  });

  it('are saved as study_id,fold and read back; a stale file is an error', () => {
    const f = join(dir, 'folds.csv');
    const made = readOrMakeFolds(f, studies, labels, 4, 3);
    const text = readFileSync(f, 'utf8');
    expect(text.split('\n')[0]).toBe('study_id,fold');
    expect(text.split('\n')[1]).toBe(`1000,${made.get(1000)}`);
    // Reading does not regenerate: a different seed returns the saved folds.
    expect([...readOrMakeFolds(f, studies, labels, 4, 99)].sort()).toEqual([...made].sort());
    expect(() => readOrMakeFolds(f, [...studies, 5], labels, 4, 3)).toThrow(/1 studies have no fold \(first: 5\)/);
    expect(() => readOrMakeFolds(f, studies, labels, 3, 3)).toThrow(/is not in 0\.\.2/);
    // A file made for a smaller k: every fold read is valid, but the last folds would validate nothing.
    expect(() => readOrMakeFolds(f, studies, labels, 5, 3)).toThrow(/trains 5 folds but no study is in fold\(s\) 4/);
  });

  it('default to {output}/folds.csv, following SPINELAB_OUTPUT', () => {
    const saved = process.env.SPINELAB_OUTPUT;
    process.env.SPINELAB_OUTPUT = dir;
    try {
      expect(defaultFoldsFile()).toBe(join(dir, 'folds.csv'));
    } finally {
      if (saved === undefined) delete process.env.SPINELAB_OUTPUT;
      else process.env.SPINELAB_OUTPUT = saved;
    }
  });
});
