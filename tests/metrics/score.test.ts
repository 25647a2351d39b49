import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../lib/cli/main.js';
import { Rng } from '../../lib/core/rng.js';
import { TARGETS } from '../../lib/data/vocabulary.js';
import {
  competitionScore, readLabelsAsSolution, readSolutionCsv, readSubmissionCsv, scoreStudies, solutionFromLabels,
  submissionFromProbs, targetLosses, type SolutionRow,
} from '../../lib/metrics/index.js';
import { pythonReference } from '../helpers/python.js';
import { SHARED, SHARED_SKIP_REASON, sharedPath } from '../helpers/shared.js';

const PY = pythonReference(['numpy']);

interface Case { score: number; solution: string; submission: string; scored_rows: number; submission_rows: number }
const expected: Record<string, Case> = SHARED ? JSON.parse(readFileSync(sharedPath('metric', 'expected-scores.json'), 'utf8')) : {};

describe.skipIf(!SHARED)(`official scores (${SHARED ? 'host scorer' : SHARED_SKIP_REASON})`, () => {
  it.each(Object.keys(expected))('%s reproduces the host score to 1e-9', (name) => {
    const c = expected[name];
    const solution = readSolutionCsv(sharedPath('metric', c.solution));
    const submission = readSubmissionCsv(sharedPath('metric', c.submission));
    expect(solution).toHaveLength(c.scored_rows);
    expect(submission.size).toBe(c.submission_rows);
    const s = competitionScore(solution, submission);
    expect(Math.abs(s.score - c.score)).toBeLessThan(1e-9);
    expect(s.scoredRows).toBe(c.scored_rows);
  });
  it.skipIf(!PY.ok).each(Object.keys(expected))('%s: every part equals the numpy/sklearn-formula reference', (name) => {
    const c = expected[name];
    const solution = readSolutionCsv(sharedPath('metric', c.solution));
    const submission = readSubmissionCsv(sharedPath('metric', c.submission));
    const ref = sklearnReference(solution, submission);
    const s = competitionScore(solution, submission);
    for (const k of ['spinal', 'foraminal', 'subarticular', 'any_severe_spinal', 'score'] as const) expect(s[k]).toBeCloseTo(ref[k], 12);
  });
  it('the CLI prints the score and its parts (--json last line)', async () => {
    const c = expected['prior-like'];
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const code = await main(['score', '--labels', sharedPath('metric', c.solution), '--submission', sharedPath('metric', c.submission), '--json']);
    const last = JSON.parse(String(log.mock.calls.at(-1)?.[0]));
    log.mockRestore();
    expect(code).toBe(0);
    expect(Math.abs(last.score - c.score)).toBeLessThan(1e-9);
    expect(Object.keys(last)).toEqual(expect.arrayContaining(['spinal', 'foraminal', 'subarticular', 'any_severe_spinal']));
  });
});

function sklearnReference(solution: SolutionRow[], submission: Map<string, number[]>): Record<string, number> {
  const input = JSON.stringify({
    solution: solution.map((r) => [r.rowId, ...r.y, r.weight]),
    submission: [...submission].map(([k, v]) => [k, ...v]),
  });
  return PY.json([join(__dirname, 'sklearn_ref.py')], { input });
}

/** Random labels (some missing) and random unnormalised predictions for `n` studies. */
function randomStudies(n: number, seed: number, missing = 0.1) {
  const rng = new Rng(seed);
  const labels = new Map<number, Int8Array>();
  const probs = new Map<number, Float64Array>();
  for (let s = 0; s < n; s++) {
    const id = 1000 + s * 7;
    labels.set(id, Int8Array.from({ length: 25 }, () => (rng.random() < missing ? -1 : rng.choice([0, 0, 0, 1, 2]))));
    probs.set(id, Float64Array.from({ length: 75 }, () => rng.random() * (rng.random() < 0.05 ? 0 : 1.5)));
  }
  return { labels, probs };
}

describe('edge cases', () => {
  it.skipIf(!PY.ok)('random unnormalised cases with zeros match the reference', () => {
    for (const seed of [1, 2, 3]) {
      const { labels, probs } = randomStudies(12, seed);
      const solution = solutionFromLabels(labels);
      const submission = submissionFromProbs(probs);
      const ref = sklearnReference(solution, submission);
      const s = competitionScore(solution, submission);
      for (const k of ['spinal', 'foraminal', 'subarticular', 'any_severe_spinal', 'score'] as const) expect(s[k]).toBeCloseTo(ref[k], 12);
    }
  });

  it('a group with no severe label is scored normally (3 columns, not 2)', () => {
    const { labels, probs } = randomStudies(6, 4, 0);
    for (const t of labels.values()) for (let j = 15; j < 25; j++) t[j] = Math.min(t[j], 1) as 0 | 1;
    const s = scoreStudies(labels, probs);
    // Hand computation of the subarticular part from the clipped, renormalised rows.
    let num = 0;
    let den = 0;
    for (const [id, t] of labels) {
      const p = probs.get(id)!;
      for (let j = 15; j < 25; j++) {
        const c = [0, 1, 2].map((k) => Math.min(Math.max(p[3 * j + k], 2.220446049250313e-16), 1 - 2.220446049250313e-16));
        const w = t[j] === 0 ? 1 : 2;
        num += -w * Math.log(c[t[j]] / (c[0] + c[1] + c[2]));
        den += w;
      }
    }
    expect(s.subarticular).toBeCloseTo(num / den, 13);
  });

  it('a study with all labels missing is not scored, in any term', () => {
    const { labels, probs } = randomStudies(5, 5, 0);
    const base = scoreStudies(labels, probs);
    labels.set(99, new Int8Array(25).fill(-1));
    probs.set(99, new Float64Array(75).fill(0.2));
    const s = scoreStudies(labels, probs);
    expect(s.score).toBe(base.score);
    expect(s.scoredStudies).toBe(base.scoredStudies);
    expect(s.scoredRows).toBe(base.scoredRows);
  });

  it('extra submission rows are ignored; a missing one is an error naming the row', () => {
    const { labels, probs } = randomStudies(4, 6, 0.2);
    const solution = solutionFromLabels(labels);
    const submission = submissionFromProbs(probs);
    const base = competitionScore(solution, submission);
    submission.set('555_spinal_canal_stenosis_l1_l2', [0, 0, 1]);
    expect(competitionScore(solution, submission).score).toBe(base.score);
    const gone = solution[3].rowId;
    submission.delete(gone);
    expect(() => competitionScore(solution, submission)).toThrow(gone);
  });

  it('rejects negative and non-finite predictions, even in rows that are not scored', () => {
    const { labels, probs } = randomStudies(2, 7);
    const solution = solutionFromLabels(labels);
    for (const bad of [-0.1, NaN, Infinity]) {
      const submission = submissionFromProbs(probs);
      submission.set('1_spinal_canal_stenosis_l1_l2', [0.2, bad, 0.3]);
      expect(() => competitionScore(solution, submission)).toThrow(/1_spinal_canal_stenosis_l1_l2.*(at least zero|finite)/);
    }
  });

  it('the any-severe term uses the raw max severe value over labelled spinal rows, weight = max row weight', () => {
    const labels = new Map([[1, new Int8Array(25).fill(0)], [2, new Int8Array(25).fill(0)]]);
    labels.get(1)![2] = 2; // study 1: severe at l3_l4 → label 1, weight 4
    labels.get(2)![0] = 1; // study 2: moderate at l1_l2 → label 0, weight 2
    labels.get(2)![4] = -1; // l5_s1 unlabelled: its prediction must not count
    const probs = new Map([[1, new Float64Array(75).fill(0.5)], [2, new Float64Array(75).fill(0.5)]]);
    probs.get(1)![3 * 1 + 2] = 0.7; // max severe of study 1 = 0.7 (raw, although the row is unnormalised)
    probs.get(2)![3 * 4 + 2] = 0.99; // unlabelled level: ignored → max severe of study 2 = 0.5
    const s = scoreStudies(labels, probs);
    expect(s.any_severe_spinal).toBeCloseTo((4 * -Math.log(0.7) + 2 * -Math.log(0.5)) / 6, 14);
  });

  it('no severe study at all: a finite any-severe term (the host would raise)', () => {
    const { labels, probs } = randomStudies(4, 8, 0);
    for (const t of labels.values()) for (let j = 0; j < 5; j++) t[j] = 0;
    const s = scoreStudies(labels, probs);
    expect(Number.isFinite(s.any_severe_spinal)).toBe(true);
    expect(s.any_severe_spinal).toBeGreaterThan(0);
  });

  it('per-target losses equal the group loss of a solution holding only that target', () => {
    const { labels, probs } = randomStudies(10, 9);
    const flatL = Int32Array.from([...labels.values()].flatMap((t) => Array.from(t)));
    const flatP = Float64Array.from([...probs.values()].flatMap((p) => Array.from(p)));
    const per = targetLosses(flatL, flatP);
    const submission = submissionFromProbs(probs);
    for (const j of [0, 7, 19]) {
      const only = solutionFromLabels(labels).filter((r) => r.rowId.endsWith(`_${TARGETS[j]}`));
      const group = j < 5 ? 'spinal' : j < 15 ? 'foraminal' : 'subarticular';
      expect(per[j]).toBeCloseTo(competitionScore(only, submission)[group], 13);
    }
  });

  it('duplicate solution rows and ill-formed labels are errors', () => {
    const row: SolutionRow = { rowId: `1_${TARGETS[0]}`, y: [1, 0, 0], weight: 1 };
    expect(() => competitionScore([row, row], new Map([[row.rowId, [1, 0, 0]]]))).toThrow(/twice/);
    expect(() => solutionFromLabels(new Map([[1, new Int8Array(25).fill(3)]]))).toThrow(/label 3/);
  });
});

describe('label files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spinelab-score-'));
  it('train.csv (wide) and a solution CSV give the same solution', () => {
    const wide = join(dir, 'train.csv');
    const sol = join(dir, 'solution.csv');
    const cells = ['Normal/Mild', 'Moderate', 'Severe', ''];
    const rows = [1, 2].map((s) => [String(s), ...TARGETS.map((_, j) => cells[(j * s) % 4])]);
    writeFileSync(wide, ['study_id,' + TARGETS.join(','), ...rows.map((r) => r.join(','))].join('\n'));
    const fromWide = readLabelsAsSolution(wide);
    const oneHot = fromWide.map((r) => `${r.rowId},${r.y.join(',')}`); // no sample_weight: 2^class
    writeFileSync(sol, ['row_id,normal_mild,moderate,severe', ...oneHot, `3_${TARGETS[0]},0,0,0`].join('\n'));
    expect(readLabelsAsSolution(sol)).toEqual(fromWide);
    expect(fromWide.length).toBe(rows.flatMap((r) => r.slice(1)).filter((c) => c !== '').length); // empty = unlabelled
    expect(fromWide.every((r) => r.weight === [1, 2, 4][r.y.indexOf(1)])).toBe(true);
  });
  it('a bad cell is reported with file and line', () => {
    const sub = join(dir, 'bad.csv');
    writeFileSync(sub, `row_id,normal_mild,moderate,severe\n1_${TARGETS[0]},0.1,abc,0.2\n`);
    expect(() => readSubmissionCsv(sub)).toThrow(/bad\.csv:2.*moderate/);
  });
});
