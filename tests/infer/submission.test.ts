import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ArtefactError, UsageError } from '../../lib/core/errors.js';
import { CLASS_WEIGHTS, TARGETS } from '../../lib/data/vocabulary.js';
import { chooseCheckpoints, modelsRoot, validateSubmission, writeSubmission } from '../../lib/infer/index.js';
import { classPriors } from '../../lib/metrics/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'spinelab-submission-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const STUDIES = [4003253, 1002];
const descriptions = join(tmp, 'test_series_descriptions.csv');
writeFileSync(descriptions, ['study_id,series_id,series_description', ...STUDIES.flatMap((s) => [`${s},${s + 1},Sagittal T1`, `${s},${s + 2},Axial T2`])].join('\n') + '\n');
const sample = join(tmp, 'sample_submission.csv');
writeFileSync(sample, ['row_id,normal_mild,moderate,severe', ...TARGETS.map((t) => `1002_${t},0.333333,0.333333,0.333333`)].join('\n') + '\n');

/** A valid submission for STUDIES; `edit` rewrites its lines before saving. */
function submission(name: string, edit: (lines: string[]) => string[] = (l) => l): string {
  const base = join(tmp, `base-${name}.csv`);
  const probs = new Map(STUDIES.map((s, i) => [s, Array.from({ length: 75 }, (_, k) => 1 + ((k * 7 + i) % 5))]));
  writeSubmission(base, STUDIES, probs);
  const file = join(tmp, `${name}.csv`);
  writeFileSync(file, edit(readFileSync(base, 'utf8').trimEnd().split('\n')).join('\n') + '\n');
  return file;
}

describe('writeSubmission', () => {
  it('writes 25 rows per study, studies ascending, targets in order, rows normalised', () => {
    const lines = readFileSync(submission('ok'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('row_id,normal_mild,moderate,severe');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([1002, 4003253].flatMap((s) => TARGETS.map((t) => `${s}_${t}`)));
    // First target of study 1002 (index 1 of the map): raw 1 + ((k*7 + 1) % 5) for k = 0, 1, 2 → 2, 4, 1.
    expect(lines[1].split(',').slice(1).map(Number)).toEqual([2 / 7, 4 / 7, 1 / 7]);
  });

  it('refuses a study without 75 finite non-negative probabilities', () => {
    expect(() => writeSubmission(join(tmp, 'x.csv'), [1], new Map([[1, [1, 2]]]))).toThrow(UsageError);
    expect(() => writeSubmission(join(tmp, 'x.csv'), [1], new Map([[1, Array(75).fill(NaN)]]))).toThrow(/not a distribution/);
    expect(() => writeSubmission(join(tmp, 'x.csv'), [1, 2], new Map([[1, Array(75).fill(1)]]))).toThrow(/study 2/);
  });
});

describe('validateSubmission', () => {
  it('accepts a complete submission against the descriptions and the sample', () => {
    expect(validateSubmission(submission('valid'), descriptions)).toEqual([]);
    expect(validateSubmission(submission('valid'), sample)).toEqual([]);
  });

  it('catches missing rows, naming them', () => {
    const p = validateSubmission(submission('missing', (l) => l.slice(0, -1)), descriptions);
    expect(p).toEqual([`row 4003253_${TARGETS[24]} is missing (required by ${descriptions})`]);
  });

  it('catches a row that does not sum to 1, with file and line', () => {
    const file = submission('sum', (l) => l.map((x, i) => (i === 3 ? x.replace(/,[^,]*$/, ',0.9') : x)));
    const p = validateSubmission(file, descriptions);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(new RegExp(`${file}:4: 1002_${TARGETS[2]}: row sums to `));
  });

  it('catches a wrong header', () => {
    const p = validateSubmission(submission('header', (l) => ['row_id,normal,moderate,severe', ...l.slice(1)]), descriptions);
    expect(p).toEqual([expect.stringMatching(/:1: header is "row_id,normal,moderate,severe", expected "row_id,normal_mild,moderate,severe"/)]);
  });

  it('catches duplicates, extra studies, bad values, bad ids and short rows', () => {
    const p = validateSubmission(submission('mixed', (l) => [
      ...l, l[1], // duplicate
      `77_${TARGETS[0]},1,0,0`, // a study not in the descriptions
      `1002_${TARGETS[0]}x,1,0,0`, // unknown target (also extra)
      `1002_${TARGETS[1]}y,-0.5,1,0.5`,
      `1002_${TARGETS[1]}z,0.5,0.5`,
    ]), descriptions);
    expect(p.some((x) => /row_id 1002_spinal_canal_stenosis_l1_l2 appears twice/.test(x))).toBe(true);
    expect(p.some((x) => x === `row 77_${TARGETS[0]} is not a target of a study in ${descriptions}`)).toBe(true);
    expect(p.some((x) => /row_id "1002_spinal_canal_stenosis_l1_l2x" is not \{study_id\}_\{target\}/.test(x))).toBe(true);
    expect(p.some((x) => /values -0.5, 1, 0.5 are not probabilities/.test(x))).toBe(true);
    expect(p.some((x) => /3 fields, expected 4/.test(x))).toBe(true);
  });

  it('caps each kind of problem and counts the rest', () => {
    const p = validateSubmission(submission('many', (l) => l.slice(0, 1)), descriptions, 3);
    expect(p).toHaveLength(4);
    expect(p[3]).toBe('… and 47 more "missing" problems');
  });

  it('against a sample, requires its rows but allows other studies', () => {
    expect(validateSubmission(submission('nosample', (l) => l.filter((x) => !x.startsWith('1002_'))), sample)).toHaveLength(5 + 1);
    expect(validateSubmission(join(tmp, 'none.csv'), sample)).toEqual([`submission not found: ${join(tmp, 'none.csv')}`]);
  });
});

describe('classPriors', () => {
  const labels = new Map<number, Int8Array>([
    [1, new Int8Array(25).fill(0)],
    [2, new Int8Array(25).fill(0)],
    [3, Int8Array.from({ length: 25 }, (_, j) => (j === 0 ? 2 : -1))],
  ]);
  const p = classPriors(labels, 'test');

  it('counts labelled studies per target with add-one smoothing', () => {
    expect(p.frequencies[0]).toEqual([3 / 6, 1 / 6, 2 / 6]); // 0, 0, 2 + one each
    expect(p.frequencies[1]).toEqual([3 / 5, 1 / 5, 1 / 5]); // 0, 0, missing
  });

  it('predicts the constant that minimises the expected class-weighted log loss', () => {
    const f = p.frequencies[0];
    const risk = (q: number[]) => f.reduce((s, fk, k) => s - fk * CLASS_WEIGHTS[k] * Math.log(q[k]), 0);
    const q = p.prediction[0];
    expect(q[0] + q[1] + q[2]).toBeCloseTo(1, 15);
    for (const [i, j] of [[0, 1], [1, 2], [0, 2]]) {
      for (const e of [1e-3, -1e-3]) {
        const r = [...q];
        r[i] += e;
        r[j] -= e;
        expect(risk(r)).toBeGreaterThan(risk(q));
      }
    }
  });
});

describe('checkpoint choice', () => {
  const dir = join(tmp, 'root', 'models', 'm');
  const save = (d: string) => {
    mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, d, 'model.json'), '{}');
  };
  save('fold_0');
  save('fold_2');
  mkdirSync(join(dir, 'fold_1'), { recursive: true }); // interrupted save: no model.json

  it('uses the complete fold checkpoints, and the full fit when there is one (auto)', () => {
    expect(chooseCheckpoints(dir, 'auto')).toEqual([0, 2]);
    expect(() => chooseCheckpoints(dir, 'fullfit')).toThrow(ArtefactError);
    save('fullfit');
    expect(chooseCheckpoints(dir, 'auto')).toEqual(['fullfit']);
    expect(chooseCheckpoints(dir, 'folds')).toEqual([0, 2]);
    expect(() => chooseCheckpoints(join(tmp, 'root', 'models', 'none'), 'auto')).toThrow(/no checkpoint/);
  });

  it('finds the artefact root from it or from its models/ folder', () => {
    expect(modelsRoot(join(tmp, 'root'))).toBe(join(tmp, 'root'));
    expect(modelsRoot(join(tmp, 'root', 'models'))).toBe(join(tmp, 'root'));
    expect(() => modelsRoot(tmp)).toThrow(/no trained models here/);
  });
});
