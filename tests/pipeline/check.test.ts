import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../lib/core/atomic.js';
import { rowId, TARGETS } from '../../lib/data/vocabulary.js';
import { writeNotebook, type Cell } from '../../lib/pipeline/runner/nbformat.js';
import { checkMainJob, hasCompetitionData, inputFingerprint, STAGES } from '../../lib/pipeline/index.js';

/** A fake main-job output: two test studies, a submission, executed notebooks, stamps, a report. */
function fakeJob(o: { badCell?: string; dropRow?: boolean; noStamp?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'spinelab-check-'));
  const input = join(root, 'input');
  const output = join(root, 'output');
  mkdirSync(input, { recursive: true });
  const studies = [1001, 1002];
  writeFileSync(join(input, 'test_series_descriptions.csv'), 'study_id,series_id,series_description\n' +
    studies.map((s) => `${s},${s}1,Sagittal T1\n${s},${s}2,Sagittal T2/STIR\n`).join(''));
  const rows = studies.flatMap((s) => TARGETS.map((_, t) => `${rowId(s, t)},0.5,0.3,0.2`));
  if (o.dropRow) rows.pop();
  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, 'submission.csv'), `row_id,normal_mild,moderate,severe\n${rows.join('\n')}\n`);
  const stamps: Record<string, unknown> = {};
  for (const st of STAGES) {
    const cells: Cell[] = [
      { cell_type: 'code', metadata: {}, source: 'const a = 1;', execution_count: 1, outputs: [] },
      { cell_type: 'code', metadata: {}, source: 'a', execution_count: st.name === o.badCell ? null : 2, outputs: [] },
    ];
    writeNotebook(join(output, 'notebooks', st.notebook), { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });
    if (st.name !== o.noStamp) stamps[st.name] = { stamp: 'x', seconds: 1, notebook: st.notebook };
  }
  writeJsonAtomic(join(output, 'pipeline', 'stamps.json'), stamps);
  writeFileSync(join(output, 'report.html'), '<html></html>');
  return { input, output };
}

describe('checkMainJob', () => {
  it('accepts a complete job', async () => {
    const r = await checkMainJob({ ...fakeJob(), browser: false });
    expect(r.problems).toEqual([]);
    expect(r.checked.length).toBe(STAGES.length + 2);
  });

  it('reports a missing submission row', async () => {
    const r = await checkMainJob({ ...fakeJob({ dropRow: true }), browser: false });
    expect(r.problems.join('\n')).toMatch(/submission vs test_series_descriptions\.csv/);
  });

  it('reports a notebook that stopped before its last cell, and a stage with no successful run', async () => {
    const r = await checkMainJob({ ...fakeJob({ badCell: 'classify', noStamp: 'lvl2' }), browser: false });
    expect(r.problems).toContain('04_Training.ipynb: code cell 2 was not executed');
    expect(r.problems.some((p) => /stage lvl2: no successful run/.test(p))).toBe(true);
  });
});

describe('input fingerprint', () => {
  it('changes when a table changes and recognises competition data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spinelab-fp-'));
    expect(hasCompetitionData(dir)).toBe(false);
    writeFileSync(join(dir, 'train.csv'), 'study_id\n1\n');
    writeFileSync(join(dir, 'train_series_descriptions.csv'), 'study_id,series_id,series_description\n');
    expect(hasCompetitionData(dir)).toBe(true);
    const a = inputFingerprint(dir);
    expect(inputFingerprint(dir)).toBe(a);
    writeFileSync(join(dir, 'train.csv'), 'study_id\n2\n');
    expect(inputFingerprint(dir)).not.toBe(a);
    mkdirSync(join(dir, 'train_images', '2', '3'), { recursive: true });
    const b = inputFingerprint(dir);
    writeFileSync(join(dir, 'train_images', '2', '3', '1.dcm'), 'x');
    expect(inputFingerprint(dir)).not.toBe(b);
  });
});
