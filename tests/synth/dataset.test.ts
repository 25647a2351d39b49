/**
 * A tiny synthetic dataset, checked as the pipeline will meet it: the competition's CSV formats,
 * DICOM files that an independent reader (Debian's pydicom) and our own reader decode to exactly
 * the volumes the generator meant, and label points that sit on the intended structure.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../lib/core/csv.js';
import { readNpy } from '../../lib/core/npy.js';
import { readDicomFile } from '../../lib/dicom/index.js';
import { readLabelCoordinates, readSampleSubmission, readSeriesDescriptions, readTrainLabels } from '../../lib/data/tables.js';
import { ANNOTATED_ON, CONDITIONS, LEVELS, rowId, SERIES_DESCRIPTIONS, SEVERITIES, TARGETS, type Condition } from '../../lib/data/vocabulary.js';
import { generateDataset, renderStudy, SERIES_ID_RANGE, STUDY_ID_RANGE, type SynthSummary } from '../../lib/synth/generate.js';
import { discOfLevel, lutIndex } from '../../lib/synth/anatomy.js';
import { tissueSlice } from '../../lib/synth/render.js';
import type { StudyPlan } from '../../lib/synth/study.js';
import { TISSUE } from '../../lib/synth/tissue.js';
import { discKeypoints, readTruth, readTruthBounds, readTruthStudy } from '../../lib/synth/truth.js';
import { boundsPredictions } from '../../lib/synth/floor.js';
import { scoreStudies } from '../../lib/metrics/index.js';
import { pythonReference } from '../helpers/python.js';

const CFG = { seed: 7, size: 'tiny' as const, studies: 10, testStudies: 3 };
let dir = '';
let summary: SynthSummary;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spinelab-synth-'));
  summary = await generateDataset({ out: dir, ...CFG });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const studiesIn = (split: string) => readdirSync(join(dir, `${split}_images`)).map(Number).sort((a, b) => a - b);

describe('synthetic dataset: competition layout and CSV formats', () => {
  it('writes exactly the competition files plus truth/', () => {
    expect(readdirSync(dir).sort()).toEqual([
      'sample_submission.csv', 'test_images', 'test_series_descriptions.csv', 'train.csv', 'train_images',
      'train_label_coordinates.csv', 'train_series_descriptions.csv', 'truth',
    ]);
    expect(summary.trainStudies).toBe(10);
    expect(summary.testStudies).toBe(3);
  });

  it('train.csv: study_id then the 25 targets, severity strings or empty, ids in the competition range', () => {
    const t = readCsv(join(dir, 'train.csv'));
    expect(t.columns).toEqual(['study_id', ...TARGETS]);
    const ids = t.rows.map((r) => Number(r.values.study_id));
    expect(ids).toEqual(studiesIn('train'));
    for (const id of ids) expect(id >= STUDY_ID_RANGE[0] && id <= STUDY_ID_RANGE[1]).toBe(true);
    for (const r of t.rows) for (const name of TARGETS) expect(['', ...SEVERITIES]).toContain(r.values[name]);
    const labels = readTrainLabels(join(dir, 'train.csv'));
    expect(labels.size).toBe(10);
  });

  it('series descriptions name every series folder, with the three real descriptions', () => {
    for (const split of ['train', 'test']) {
      const t = readCsv(join(dir, `${split}_series_descriptions.csv`));
      expect(t.columns).toEqual(['study_id', 'series_id', 'series_description']);
      const rows = readSeriesDescriptions(join(dir, `${split}_series_descriptions.csv`));
      const onDisk = studiesIn(split).flatMap((s) => readdirSync(join(dir, `${split}_images`, String(s))).map((se) => `${s}/${se}`)).sort();
      expect(rows.map((r) => `${r.studyId}/${r.seriesId}`).sort()).toEqual(onDisk);
      for (const r of rows) {
        expect(SERIES_DESCRIPTIONS).toContain(r.description);
        expect(r.seriesId >= SERIES_ID_RANGE[0] && r.seriesId <= SERIES_ID_RANGE[1]).toBe(true);
        const files = readdirSync(join(dir, `${split}_images`, String(r.studyId), String(r.seriesId)));
        expect(files.length).toBeGreaterThan(0);
        for (const f of files) expect(f).toMatch(/^[1-9]\d*\.dcm$/);
      }
    }
  });

  it('sample_submission.csv has one row per test study and target, as row ids of the metric', () => {
    const t = readCsv(join(dir, 'sample_submission.csv'));
    expect(t.columns).toEqual(['row_id', 'normal_mild', 'moderate', 'severe']);
    const test = studiesIn('test');
    expect(readSampleSubmission(join(dir, 'sample_submission.csv')).map((r) => r.rowId)).toEqual(test.flatMap((s) => TARGETS.map((_, j) => rowId(s, j))));
    const inDescriptions = [...new Set(readSeriesDescriptions(join(dir, 'test_series_descriptions.csv')).map((r) => r.studyId))].sort((a, b) => a - b);
    expect(inDescriptions).toEqual(test);
  });

  it('bounds.json: the prior and floor predictions for the training studies score exactly its figures', () => {
    const bounds = JSON.parse(readFileSync(join(dir, 'truth', 'bounds.json'), 'utf8'));
    const labels = readTrainLabels(join(dir, 'train.csv'));
    const ids = [...labels.keys()];
    const preds = boundsPredictions(dir, ids)!;
    const asMap = (a: Float64Array) => new Map(ids.map((id, i) => [id, a.subarray(i * 75, (i + 1) * 75)]));
    expect(scoreStudies(labels, asMap(preds.floor)).score).toBeCloseTo(bounds.train.floor.score, 12);
    expect(scoreStudies(labels, asMap(preds.prior)).score).toBeCloseTo(bounds.train.prior.score, 12);
    expect(boundsPredictions(join(dir, 'nowhere'), ids)).toBeNull();
  });

  it('truth readers: one study, the bounds, and the disc centres as keypoints from top to bottom', () => {
    const all = readTruth(dir);
    const first = all.studies[0];
    expect(readTruthStudy(dir, first.studyId)).toEqual(first);
    expect(readTruthStudy(join(dir, 'truth'), first.studyId)).toEqual(first);
    expect(readTruthStudy(dir, 1)).toBeNull();
    expect(readTruthStudy(join(dir, 'train_images'), first.studyId)).toBeNull();
    expect(readTruthBounds(dir)).toEqual(JSON.parse(readFileSync(join(dir, 'truth', 'bounds.json'), 'utf8')));
    expect(readTruthBounds(join(dir, 'train_images'))).toBeNull();
    let sagittal = 0;
    for (const s of all.studies.flatMap((st) => st.series)) {
      const kps = discKeypoints(s);
      if (s.plane === 'axial') {
        expect(kps).toBeNull();
        continue;
      }
      sagittal++;
      expect(kps).toHaveLength(10);
      // Inside the image, and L1/L2 above L2/L3 … above L5/S1 (rows grow downwards, toward the feet).
      for (const v of kps!) expect(v > 0 && v < 1).toBe(true);
      for (let l = 1; l < 5; l++) expect(kps![2 * l + 1]).toBeGreaterThan(kps![2 * l - 1]);
    }
    expect(sagittal).toBeGreaterThan(10);
    // A damaged truth file is named in the error.
    const copy = mkdtempSync(join(tmpdir(), 'spinelab-truth-'));
    cpSync(join(dir, 'truth'), join(copy, 'truth'), { recursive: true });
    const file = join(copy, 'truth', 'studies', `${first.studyId}.json`);
    writeFileSync(file, JSON.stringify({ ...first, observed: first.observed.slice(0, 24) }));
    expect(() => readTruthStudy(copy, first.studyId)).toThrow(new RegExp(`${file}.*observed must hold 25 values`));
    rmSync(copy, { recursive: true, force: true });
  });

  it('label coordinates: one per labelled target whose series exists, on the competition series type, inside the image', () => {
    const t = readCsv(join(dir, 'train_label_coordinates.csv'));
    expect(t.columns).toEqual(['study_id', 'series_id', 'instance_number', 'condition', 'level', 'x', 'y']);
    const points = readLabelCoordinates(join(dir, 'train_label_coordinates.csv'));
    const desc = new Map(readSeriesDescriptions(join(dir, 'train_series_descriptions.csv')).map((r) => [r.seriesId, r.description]));
    const labels = readTrainLabels(join(dir, 'train.csv'));
    const seen = new Set<string>();
    const truthAll = readTruth(dir).studies;
    const size = new Map(truthAll.flatMap((st) => st.series.map((se) => [se.seriesId, se] as const)));
    for (const p of points) {
      const se = size.get(p.seriesId)!;
      expect(p.x >= 0 && p.x < se.cols && p.y >= 0 && p.y < se.rows, `${p.studyId} ${p.condition} ${p.level}`).toBe(true);
      expect(desc.get(p.seriesId)).toBe(ANNOTATED_ON[p.condition]);
      const j = CONDITIONS.indexOf(p.condition) * 5 + LEVELS.indexOf(p.level);
      expect(labels.get(p.studyId)![j]).toBeGreaterThanOrEqual(0);
      const file = join(dir, 'train_images', String(p.studyId), String(p.seriesId), `${p.instanceNumber}.dcm`);
      expect(existsSync(file)).toBe(true);
      seen.add(`${p.studyId}_${j}`);
    }
    const truth = truthAll.filter((s) => s.split === 'train');
    for (const st of truth) {
      const has = new Set(st.series.map((s) => s.description));
      st.observed.forEach((o, j) => {
        const expected = o >= 0 && has.has(ANNOTATED_ON[CONDITIONS[Math.floor(j / 5)]]) && (j < 15 || st.points[j].seriesId !== null);
        expect(seen.has(`${st.studyId}_${j}`), `${st.studyId} ${TARGETS[j]}`).toBe(expected);
      });
    }
    // The rare cases are present: a study without Sagittal T1, two axial series, a gap at L1/L2.
    expect(truth.some((s) => !s.series.some((x) => x.description === 'Sagittal T1'))).toBe(true);
    expect(truth.some((s) => s.series.filter((x) => x.description === 'Axial T2').length === 2)).toBe(true);
    expect(truth.some((s) => s.observed[15] === -1 && s.observed[20] === -1)).toBe(true);
  });
});

const PYDICOM = pythonReference(['numpy', 'pydicom']);

/** pydicom: per series, the tags and the pixels stacked in file-name (instance) order. */
const PYDICOM_READ = `
import json, os, sys, numpy as np, pydicom
out = {}
for series_dir in sys.argv[2:]:
    files = sorted(os.listdir(series_dir), key=lambda f: int(f[:-4]))
    ds = [pydicom.dcmread(os.path.join(series_dir, f)) for f in files]
    np.save(os.path.join(sys.argv[1], os.path.basename(series_dir) + '.npy'), np.stack([d.pixel_array for d in ds]))
    out[os.path.basename(series_dir)] = [dict(
        file=f, instance=int(d.InstanceNumber), description=str(d.SeriesDescription), rows=int(d.Rows), cols=int(d.Columns),
        ipp=[float(v) for v in d.ImagePositionPatient], iop=[float(v) for v in d.ImageOrientationPatient],
        spacing=[float(v) for v in d.PixelSpacing], thickness=float(d.SliceThickness), between=float(d.SpacingBetweenSlices),
        bits=int(d.BitsAllocated), stored=int(d.BitsStored), sign=int(d.PixelRepresentation), photometric=str(d.PhotometricInterpretation),
        syntax=str(d.file_meta.TransferSyntaxUID), dtype=str(d.pixel_array.dtype)) for f, d in zip(files, ds)]
print(json.dumps(out))
`;

describe('synthetic DICOM: read back by pydicom and by lib/dicom as intended', () => {
  // Studies 0 (no Sagittal T1), 2 (shuffled instance numbers) and the first test study (two T1, two axials).
  const picks = [0, 2, 10];
  const rendered = new Map<number, ReturnType<typeof renderStudy>>();
  const plan = (i: number) => {
    if (!rendered.has(i)) rendered.set(i, renderStudy(CFG, i));
    return rendered.get(i)!;
  };
  const seriesDir = (p: StudyPlan, seriesId: number, i: number) => join(dir, i < CFG.studies ? 'train_images' : 'test_images', String(p.studyId), String(seriesId));

  it.skipIf(!PYDICOM.ok)('pydicom decodes every file to the intended pixels and geometry tags', () => {
    const npyDir = mkdtempSync(join(tmpdir(), 'spinelab-synth-npy-'));
    try {
      const dirs = picks.flatMap((i) => plan(i).plan.series.map((se) => seriesDir(plan(i).plan, se.seriesId, i)));
      const tags = PYDICOM.json<Record<string, unknown>>(['-c', PYDICOM_READ, npyDir, ...dirs]);
      let slices = 0;
      for (const i of picks) {
        const { plan: p, images } = plan(i);
        for (const se of p.series) {
          const files = tags[String(se.seriesId)] as Array<Record<string, unknown>>;
          const stack = readNpy(join(npyDir, `${se.seriesId}.npy`));
          expect(stack.dtype).toBe('uint16');
          const [, rows, cols] = stack.shape;
          files.forEach((f, k) => {
            const at = se.instanceNumbers.indexOf(f.instance as number);
            const g = se.slices[at];
            expect(f.file).toBe(`${f.instance}.dcm`);
            expect(f).toMatchObject({ description: se.description, rows: g.rows, cols: g.cols, bits: 16, stored: 16, sign: 0, photometric: 'MONOCHROME2', syntax: '1.2.840.10008.1.2.1', dtype: 'uint16' });
            expect(f.ipp).toEqual(g.position);
            expect(f.iop).toEqual(g.orientation);
            expect(f.spacing).toEqual(g.pixelSpacing);
            expect([f.thickness, f.between]).toEqual([se.sliceThickness, se.spacingBetweenSlices]);
            const got = (stack.data as Uint16Array).subarray(k * rows * cols, (k + 1) * rows * cols);
            expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(images.get(se.seriesId)![at].buffer))).toBe(true);
            slices++;
          });
        }
      }
      expect(slices).toBeGreaterThan(60);
    } finally {
      rmSync(npyDir, { recursive: true, force: true });
    }
  });

  it('lib/dicom reads the same pixels and geometry', async () => {
    const { plan: p, images } = plan(2);
    for (const se of p.series) {
      for (let k = 0; k < se.slices.length; k += 3) {
        const im = await readDicomFile(join(seriesDir(p, se.seriesId, 2), `${se.instanceNumbers[k]}.dcm`));
        expect(im.header.imagePositionPatient).toEqual(se.slices[k].position);
        expect(im.header.imageOrientationPatient).toEqual(se.slices[k].orientation);
        expect(im.header.pixelSpacing).toEqual(se.slices[k].pixelSpacing);
        expect(im.header.instanceNumber).toBe(se.instanceNumbers[k]);
        expect(Array.from(im.pixels.data as Uint16Array)).toEqual(Array.from(images.get(se.seriesId)![k]));
      }
    }
  });

  it('some series number their instances out of spatial order', () => {
    const truth = readTruth(dir).studies;
    const unordered = truth.flatMap((s) => s.series).filter((se) => {
      const n = se.instanceNumbers;
      return !n.every((v, i) => i === 0 || v > n[i - 1]) && !n.every((v, i) => i === 0 || v < n[i - 1]);
    });
    expect(unordered.length).toBeGreaterThan(0);
  });
});

describe('synthetic labels point at the intended structure', () => {
  const open = new Set<number>([TISSUE.CSF, TISSUE.CORD, TISSUE.ROOT]);
  const canal = new Set<number>([...open, TISSUE.EPIDURAL_FAT, TISSUE.BULGE, TISSUE.FLAVUM]);
  const foramen = new Set<number>([TISSUE.FORAMEN_FAT, TISSUE.FORAMEN_ROOT]);
  const recess = new Set<number>([...canal, TISSUE.FACET, TISSUE.FACET_MARROW, TISSUE.FACET_FLUID]);

  it('SCS in the canal (open CSF unless severe), NFN in the foramen, SS in the lateral recess; on the right slice', () => {
    const points = readLabelCoordinates(join(dir, 'train_label_coordinates.csv'));
    const byStudy = new Map<number, typeof points>();
    for (const p of points) byStudy.set(p.studyId, [...(byStudy.get(p.studyId) ?? []), p]);
    let checked = 0;
    for (let i = 0; i < 6; i++) {
      const { plan: p, images } = renderStudy(CFG, i);
      for (const pt of byStudy.get(p.studyId) ?? []) {
        const se = p.series.find((s) => s.seriesId === pt.seriesId)!;
        const k = se.instanceNumbers.indexOf(pt.instanceNumber);
        const g = se.slices[k];
        const tissue = tissueSlice(p.anatomy, g)[Math.round(pt.y) * g.cols + Math.round(pt.x)];
        const c = CONDITIONS.indexOf(pt.condition as Condition);
        const j = c * 5 + LEVELS.indexOf(pt.level);
        const sigma = p.sigma[j];
        const what = `${p.studyId} ${TARGETS[j]} σ=${sigma.toFixed(2)} tissue ${tissue}`;
        const img = images.get(se.seriesId)![k];
        const local = mean3x3(img, g.cols, pt.x, pt.y);
        const median = Float32Array.from(img).sort()[img.length >> 1];
        if (c === 0) {
          expect(canal.has(tissue), what).toBe(true);
          if (sigma < 0.4) {
            expect(open.has(tissue), what).toBe(true);
            expect(local, `${what}: CSF is bright on ${se.weighting}`).toBeGreaterThan(1.5 * median);
          }
          // The mid-sagittal slice: the nearest to the canal's midline.
          const off = se.slices.map((s) => Math.abs(s.position[0] - p.points[j].patient[0]));
          expect(off[k]).toBe(Math.min(...off));
        } else if (c <= 2) {
          expect(foramen.has(tissue), what).toBe(true);
          // Left (+x in DICOM LPS) on slices left of the midline, right on the right.
          const side = g.position[0] - p.anatomy.origin.x;
          expect(c === 1 ? side > 0 : side < 0, what).toBe(true);
          if (sigma < 0.4 && tissue === TISSUE.FORAMEN_FAT) expect(local, `${what}: foraminal fat is bright on T1`).toBeGreaterThan(median);
        } else {
          expect(recess.has(tissue), what).toBe(true);
          // Open unless this recess or the central canal (whose bulge reaches the recess) narrows.
          if (sigma < 0.3 && p.sigma[LEVELS.indexOf(pt.level)] < 0.3) expect(open.has(tissue) || tissue === TISSUE.EPIDURAL_FAT, what).toBe(true);
          // Rows run towards the patient's left (+x): the left recess lies right of the midline in the image.
          expect(g.orientation.slice(0, 3)).toEqual([1, 0, 0]);
          const a = p.anatomy;
          const midline = a.origin.x + a.lut.xShift[lutIndex(a.lut, a.discMid[discOfLevel(LEVELS.indexOf(pt.level))])];
          const xPatient = g.position[0] + pt.x * g.pixelSpacing[1];
          expect(c === 3 ? xPatient > midline : xPatient < midline, what).toBe(true);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

function mean3x3(img: Uint16Array, cols: number, x: number, y: number): number {
  const r0 = Math.round(y);
  const c0 = Math.round(x);
  let s = 0;
  for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) s += img[(r0 + dr) * cols + c0 + dc];
  return s / 9;
}
