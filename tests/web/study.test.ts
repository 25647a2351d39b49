/**
 * The page's study reader and inference, run in Node against what the Node pipeline does on the
 * same files: lib/dicom's readSeries for the stacks, the descriptions CSV for the series types, and
 * `runInference` (`spinelab infer`) for the probabilities, good and bad studies alike.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSeriesDescriptions } from '../../lib/data/tables.js';
import { readSeries } from '../../lib/dicom/index.js';
import { bundlePage } from '../../lib/web/bundle.js';
import { maxProbDiff, readSubmissionProbs } from '../../lib/web/check.js';
import { predictStudy } from '../../lib/web/infer.js';
import { disposeRun, loadRun, type LoadedRun } from '../../lib/web/models.js';
import { isSagittal } from '../../lib/data/vocabulary.js';
import { checkLimits, readStudy, StudyTooLargeError, type StudyRead } from '../../lib/web/study.js';
import { makeWebRun, studyFiles, type WebRun } from './fixtures.js';

let run: WebRun;
let loaded: LoadedRun;

beforeAll(async () => {
  run = await makeWebRun(mkdtempSync(join(tmpdir(), 'spinelab-web-')));
  loaded = await loadRun(run.root, { preset: 'tiny' });
  return () => disposeRun(loaded);
}, 300_000);

/** The page's prediction of a study folder, as the page makes it. */
async function pagePrediction(study: StudyRead) {
  const sag = study.series.filter((s) => isSagittal(s.description));
  const unreadable = sag.filter((s) => !s.stack || s.badSlices.length).map((s) => `series ${s.seriesId}`).join('; ');
  return predictStudy(loaded.models, study.studyId, sag.flatMap((s) => (s.stack && isSagittal(s.description) ? [{ seriesId: s.seriesId, description: s.description, stack: s.stack.pixels }] : [])), { unreadable: unreadable || undefined });
}

describe('readStudy: a study folder as the page reads it', () => {
  it('finds every series by SeriesInstanceUID, types it as the descriptions CSV does, and stacks the sagittal ones as readSeries', async () => {
    const listed = readSeriesDescriptions(join(run.input, 'test_series_descriptions.csv'));
    for (const id of run.studies) {
      const study = await readStudy(studyFiles(join(run.input, 'test_images', id)));
      expect(study.studyId).toBe(Number(id));
      expect(study.problems).toEqual([]);
      const mine = listed.filter((s) => s.studyId === Number(id));
      expect(study.series.map((s) => [s.seriesId, s.description])).toEqual(mine.map((s) => [s.seriesId, s.description]).sort((a, b) => Number(a[0]) - Number(b[0])));
      for (const s of study.series) {
        if (!isSagittal(s.description)) {
          expect(s.stack).toBeNull();
          continue;
        }
        const node = await readSeries(join(run.input, 'test_images', id, String(s.seriesId)));
        expect(s.typeReason).toMatch(/^SeriesDescription/);
        expect(s.stack!.pixels.shape).toEqual(node.pixels.shape);
        expect(s.stack!.instanceNumbers).toEqual(node.instanceNumbers);
        expect(Buffer.from(s.stack!.pixels.data.buffer).equals(Buffer.from(node.pixels.data.buffer))).toBe(true);
      }
    }
  });

  it('prefers a descriptions CSV among the files, and names what it cannot read instead of stopping', async () => {
    const id = run.studies[1];
    const files = studyFiles(join(run.input, 'test_images', id));
    const csv = `study_id,series_id,series_description\n${id},${files[0].path.split('/')[1]},Sagittal T1\n`;
    const text = new TextEncoder().encode('not a DICOM file');
    const extra = [
      { path: 'test_series_descriptions.csv', size: csv.length, read: async () => new TextEncoder().encode(csv) },
      { path: `${id}/notes.txt`, size: text.length, read: async () => text },
      // a slice of another study
      ...studyFiles(join(run.input, 'test_images', run.studies[2])).slice(0, 1),
    ];
    const study = await readStudy([...files, ...extra]);
    expect(study.series.find((s) => String(s.seriesId) === files[0].path.split('/')[1])).toMatchObject({ description: 'Sagittal T1', typeReason: 'descriptions CSV' });
    expect(study.problems.map((p) => p.kind).sort()).toEqual(['not-dicom', 'other-study']);
    expect(study.problems.find((p) => p.kind === 'not-dicom')!.message).toMatch(new RegExp(`${id}/notes.txt: not a readable DICOM file`));
    expect(study.skippedFiles).toBe(1);
  });

  it('refuses a selection over the limits before reading, and skips a sagittal series over the pixel budget', async () => {
    const files = studyFiles(join(run.input, 'test_images', run.studies[0]));
    expect(() => checkLimits(files, { maxFiles: 3, maxBytes: 1e12, maxSagittalPixels: 1e12 })).toThrow(StudyTooLargeError);
    expect(() => checkLimits(files, { maxFiles: 1e6, maxBytes: 1000, maxSagittalPixels: 1e12 })).toThrow(/at most 0\.00 GiB/);
    const study = await readStudy(files, { limits: { maxFiles: 1e6, maxBytes: 1e12, maxSagittalPixels: 1000 } });
    const tooLarge = study.problems.filter((p) => p.kind === 'too-large');
    expect(tooLarge.length).toBe(study.series.filter((s) => isSagittal(s.description)).length);
    expect(tooLarge[0].message).toMatch(/exceed 0 M pixels/);
    expect(study.series.every((s) => s.stack === null)).toBe(true);
  });
});

describe('predictStudy: the page\'s inference equals `spinelab infer`', () => {
  it('on every test study', async () => {
    const node = readSubmissionProbs(run.node.submission);
    const seen: number[][] = [];
    for (const id of run.studies) {
      const p = await pagePrediction(await readStudy(studyFiles(join(run.input, 'test_images', id))));
      expect(p.source).toBe('models');
      expect(maxProbDiff(p.probs, node.get(Number(id))!)).toBeLessThan(1e-6);
      seen.push(Array.from(p.probs));
    }
    // the studies get different predictions: the comparison is not between constants
    expect(Math.max(...seen[0].map((v, i) => Math.abs(v - seen[1][i])))).toBeGreaterThan(1e-5);
  });

  it('on a study with a truncated slice (class priors) and one without sagittal series (level 2 on zero features)', async () => {
    const node = readSubmissionProbs(run.bad.node.submission);
    expect(run.bad.node.fallbacks.map((f) => [String(f.studyId), f.stage])).toEqual([[run.bad.corruptStudy, 'prepare']]);

    const corrupt = await readStudy(studyFiles(join(run.bad.input, 'test_images', run.bad.corruptStudy)));
    expect(corrupt.problems.map((p) => p.kind)).toEqual(['corrupt-slice']);
    const bad = corrupt.series.find((s) => s.badSlices.length)!;
    expect(bad.badSlices[0].file).toBe(join(run.bad.corruptStudy, String(bad.seriesId), run.bad.corruptFile.split('/').pop()!));
    expect(bad.stack!.pixels.shape[0]).toBe(bad.files - 1); // the other slices are still shown
    const p1 = await pagePrediction(corrupt);
    expect(p1.source).toBe('priors');
    expect(p1.fallback?.stage).toBe('prepare');
    expect(maxProbDiff(p1.probs, node.get(Number(run.bad.corruptStudy))!)).toBeLessThan(1e-9);

    const none = await readStudy(studyFiles(join(run.bad.input, 'test_images', run.bad.noSagittalStudy)));
    expect(none.problems.map((p) => p.kind)).toEqual(['no-sagittal']);
    const p2 = await pagePrediction(none);
    expect(p2.source).toBe('no-sagittal');
    expect(maxProbDiff(p2.probs, node.get(Number(run.bad.noSagittalStudy))!)).toBeLessThan(1e-6);
    expect(maxProbDiff(p2.probs, p1.probs)).toBeGreaterThan(1e-6); // level 2 on zeros is not the priors
  });
});

describe('the page bundle', () => {
  it('fails the build on a Node import from lib/, naming the chain of imports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spinelab-bundle-'));
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, `import { runInference } from '${join(process.cwd(), 'lib/infer/run.js')}';\nconsole.log(runInference);\n`);
    await expect(bundlePage(entry, { minify: false })).rejects.toThrow(/lib\/[\w/]+\.ts imports the Node module "node:[a-z_]+", which a browser does not have \(lib\/infer\/run\.ts → /);
  });

  it('holds the inference core and no Node-side module of lib/', async () => {
    const b = await bundlePage(join(process.cwd(), 'lib/web/page/main.ts'), { minify: false });
    for (const m of ['infer/core.ts', 'dicom/series.ts', 'dicom/runtime.browser.ts', 'coords/infer.ts', 'classify/logits.ts', 'lvl2/infer.ts', 'engine/wasm/index.ts']) expect(b.libModules).toContain(m);
    for (const m of ['dicom/runtime.ts', 'dicom/file.ts', 'infer/run.ts', 'core/npy.ts', 'engine/io.ts']) expect(b.libModules).not.toContain(m);
    expect(readFileSync(join(process.cwd(), 'lib/dicom/runtime.ts'), 'utf8')).toMatch(/node:module/); // the variant it replaced
  });
});
