import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../../lib/core/csv.js';
import { ArtefactError } from '../../lib/core/errors.js';
import { projectRoot } from '../../lib/core/paths.js';
import { readSeriesDescriptions, type SeriesRow } from '../../lib/data/tables.js';
import { TARGETS } from '../../lib/data/vocabulary.js';
import { initBackend } from '../../lib/engine/backend.js';
import { loadPriors } from '../../lib/metrics/index.js';
import { disposeInferenceModels, loadInferenceModels, predictLevel1, predictStudies, readLevel1, runInference, saveLevel1, validateSubmission, type InferenceResult } from '../../lib/infer/index.js';
import { loadLvl2Models, predictLvl2 } from '../../lib/lvl2/index.js';
import { competitionScore, readLabelsAsSolution, readSubmissionCsv } from '../../lib/metrics/index.js';
import { makeData, makeModels, TEST_STUDIES } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'spinelab-infer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, 'data');
const root = join(tmp, 'out');

/** Submission rows in file order: row id → [normal_mild, moderate, severe]. */
function rows(file: string): Array<[string, number[]]> {
  return readCsv(file).rows.map((r) => [r.values.row_id, [r.values.normal_mild, r.values.moderate, r.values.severe].map(Number)]);
}
const studyRows = (file: string, study: number) => rows(file).filter(([id]) => id.startsWith(`${study}_`)).map(([, p]) => p);

let clean: InferenceResult;
let series: SeriesRow[];
beforeAll(async () => {
  await initBackend();
  await makeData(data);
  await makeModels(root, join(data, 'train.csv'));
  series = readSeriesDescriptions(join(data, 'test_series_descriptions.csv'));
  clean = await runInference({ input: data, out: join(root, 'submission.csv'), models: root, preset: 'tiny', eval: join(data, 'truth', 'test.csv') });
});

describe('inference on a tiny synthetic test split', () => {
  it('writes a complete, valid Kaggle submission in a stable order', () => {
    const file = join(root, 'submission.csv');
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('row_id,normal_mild,moderate,severe');
    expect(validateSubmission(file, join(data, 'test_series_descriptions.csv'))).toEqual([]);
    expect(validateSubmission(file, join(data, 'sample_submission.csv'))).toEqual([]);
    const studies = [...new Set(series.map((s) => s.studyId))].sort((a, b) => a - b);
    expect(studies).toHaveLength(TEST_STUDIES);
    expect(rows(file).map(([id]) => id)).toEqual(studies.flatMap((s) => TARGETS.map((t) => `${s}_${t}`)));
    for (const [, p] of rows(file)) expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 12);
    expect(clean).toMatchObject({ studies: TEST_STUDIES, rows: 25 * TEST_STUDIES, predicted: TEST_STUDIES, fallbacks: [] });
    expect(clean.checkpoints.coords).toHaveLength(2); // fold mean (no full fit saved)
    expect(clean.checkpoints.scs.map((d) => d.slice(-7))).toEqual(['fullfit']); // auto prefers the full fit
  });

  it('predicts from the images: studies differ from each other and from the priors', () => {
    const file = join(root, 'submission.csv');
    const priors = loadPriors(root)!;
    const studies = [...new Set(series.map((s) => s.studyId))];
    const first = studyRows(file, studies[0]);
    for (const s of studies) {
      const p = studyRows(file, s);
      expect(Math.max(...p.map((r, j) => Math.abs(r[0] - priors.prediction[j][0])))).toBeGreaterThan(1e-4);
      if (s !== studies[0]) expect(Math.max(...p.map((r, j) => Math.abs(r[2] - first[j][2])))).toBeGreaterThan(1e-7);
    }
  });

  it('keeps its intermediate artefacts: coords per sagittal series, 5 crops each, level-1 logits, result.json', () => {
    const sagittal = series.filter((s) => s.description.startsWith('Sagittal'));
    const coords = readCsv(join(clean.workDir, 'series_coords.csv'));
    expect(coords.rows.map((r) => Number(r.values.series_id)).sort()).toEqual(sagittal.map((s) => s.seriesId).sort());
    const crops = readCsv(join(clean.workDir, 'crops', 'predicted', 'crops.csv'));
    expect(crops.rows).toHaveLength(5 * sagittal.length);
    for (const r of crops.rows) expect(existsSync(join(clean.workDir, 'crops', 'predicted', `${r.values.study_id}_${r.values.series_id}_${r.values.level.toLowerCase().replace('/', '_')}.npy`))).toBe(true);
    expect(readCsv(join(clean.workDir, 'level1', 'crop_rows.csv')).rows).toHaveLength(5 * sagittal.length);
    const t2 = sagittal.filter((s) => s.description === 'Sagittal T2/STIR').length;
    expect(readCsv(join(clean.workDir, 'level1', 'scs_rows.csv')).rows).toHaveLength(5 * t2); // SCS models: T2 only
    const saved = JSON.parse(readFileSync(join(clean.workDir, 'result.json'), 'utf8'));
    expect(saved.eval.score).toBe(clean.eval!.score);
  });

  it('its saved level-1 logits, through the saved level-2 model, give the submitted probabilities', async () => {
    const sets = readLevel1(clean.workDir);
    expect(sets.map((s) => [s.name, s.target])).toEqual([['crop', 'all'], ['scs', 'scs']]);
    const lvl2 = await loadLvl2Models(join(root, 'models', 'lvl2'), 'fullfit');
    const studies = [...new Set(series.map((s) => s.studyId))].sort((a, b) => a - b);
    const probs = predictLvl2(lvl2, sets, studies);
    lvl2.models.forEach((m) => m.dispose());
    studies.forEach((s, i) => studyRows(join(root, 'submission.csv'), s).forEach((p, j) => p.forEach((v, k) => expect(v).toBeCloseTo(probs[(i * 25 + j) * 3 + k], 6))));
  });

  it('EVAL also runs on the labelled training split', async () => {
    const r = await runInference({ input: data, split: 'train', out: join(tmp, 'train-eval', 'submission.csv'), models: root, preset: 'tiny', eval: join(data, 'train.csv') });
    expect(r.studies).toBe(2);
    expect(r.eval!.scoredStudies).toBe(2);
    expect(r.validatedAgainst).toEqual([join(data, 'train_series_descriptions.csv')]); // the sample is the test split's
  });

  it('EVAL scores the written file with the competition metric, beside the class priors', () => {
    const labels = join(data, 'truth', 'test.csv');
    const direct = competitionScore(readLabelsAsSolution(labels), readSubmissionCsv(join(root, 'submission.csv')));
    expect(clean.eval!.score).toBe(direct.score);
    expect(clean.eval!.scoredStudies).toBe(TEST_STUDIES);
    expect(Number.isFinite(clean.eval!.priorScore)).toBe(true);
    expect(clean.eval!.priorScore).not.toBe(clean.eval!.score);
  });

  it('refuses EVAL labels of another split, and fails fast without models', async () => {
    await expect(runInference({ input: data, out: join(tmp, 'x', 'sub.csv'), models: root, preset: 'tiny', eval: join(data, 'train.csv') })).rejects.toThrow(/labels none of the 4 studies/);
    expect(existsSync(join(tmp, 'x', 'inference'))).toBe(false); // refused before any work
    await expect(runInference({ input: data, out: join(tmp, 'y', 'sub.csv'), models: join(tmp, 'nothing'), preset: 'tiny' })).rejects.toThrow(ArtefactError);
    // The artefact root as work folder would lose the training crops to the run's crops/predicted.
    await expect(runInference({ input: data, out: join(tmp, 'z', 'sub.csv'), models: root, workDir: root, preset: 'tiny' })).rejects.toThrow(/work folder is the models' artefact root/);
    expect(existsSync(join(tmp, 'y', 'inference', 'prepared'))).toBe(false); // nothing prepared before the check
  });
});

describe('a damaged split still gives a complete, valid submission', () => {
  const broken = join(tmp, 'broken');
  const out = join(tmp, 'broken-out', 'submission.csv');
  let result: InferenceResult;
  let studies: number[];
  const of = (study: number, description: string) => series.find((s) => s.studyId === study && s.description === description)!;
  beforeAll(async () => {
    cpSync(data, broken, { recursive: true });
    // Studies with both sagittal types: A loses its Sagittal T1 entirely (folder and CSV row),
    // B's Sagittal T2/STIR folder is deleted but still listed, C has a truncated DICOM; D is intact.
    studies = [...new Set(series.map((s) => s.studyId))].filter((s) => of(s, 'Sagittal T1') && of(s, 'Sagittal T2/STIR')).sort((a, b) => a - b);
    expect(studies.length).toBeGreaterThanOrEqual(4);
    const [a, b, c] = studies;
    const dir = (s: SeriesRow) => join(broken, 'test_images', String(s.studyId), String(s.seriesId));
    rmSync(dir(of(a, 'Sagittal T1')), { recursive: true });
    const csv = join(broken, 'test_series_descriptions.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').split('\n').filter((l) => !l.startsWith(`${a},${of(a, 'Sagittal T1').seriesId},`)).join('\n'));
    rmSync(dir(of(b, 'Sagittal T2/STIR')), { recursive: true });
    const victim = join(dir(of(c, 'Sagittal T1')), readdirSync(dir(of(c, 'Sagittal T1')))[0]);
    truncateSync(victim, Math.floor(statSync(victim).size / 2));
    result = await runInference({ input: broken, out, models: root, preset: 'tiny', eval: join(broken, 'truth', 'test.csv') });
  });

  it('names the fallbacks with stage and reason, in the result and fallbacks.csv', () => {
    const [a, b, c] = studies;
    expect(validateSubmission(out, join(broken, 'test_series_descriptions.csv'))).toEqual([]);
    expect(validateSubmission(out, join(broken, 'sample_submission.csv'))).toEqual([]);
    expect(result.fallbacks.map((f) => [f.studyId, f.stage])).toEqual([[b, 'prepare'], [c, 'prepare']]);
    expect(result.fallbacks[0].reason).toMatch(/series folder missing/);
    expect(result.fallbacks[1].reason).toContain(String(of(c, 'Sagittal T1').seriesId));
    expect(result.missingSeries).toEqual([{ studyId: a, missing: ['Sagittal T1'] }]);
    expect(result).toMatchObject({ studies: TEST_STUDIES, predicted: TEST_STUDIES - 2 });
    const csv = readCsv(join(result.workDir, 'fallbacks.csv'));
    expect(csv.rows.map((r) => [Number(r.values.study_id), r.values.stage])).toEqual([[b, 'prepare'], [c, 'prepare']]);
    expect(result.eval!.scoredStudies).toBe(TEST_STUDIES);
  });

  it('gives fallback studies the saved priors, a study missing a series its zero features, and leaves the others unchanged', () => {
    const [a, b, c, d] = studies;
    const priors = loadPriors(root)!;
    for (const s of [b, c]) studyRows(out, s).forEach((p, j) => p.forEach((v, k) => expect(v).toBeCloseTo(priors.prediction[j][k], 12)));
    const before = studyRows(join(root, 'submission.csv'), a);
    const after = studyRows(out, a);
    expect(Math.max(...after.map((p, j) => Math.abs(p[1] - before[j][1])))).toBeGreaterThan(1e-6); // T1 features now zero
    expect(Math.max(...after.map((p, j) => Math.abs(p[1] - priors.prediction[j][1])))).toBeGreaterThan(1e-4);
    const intact = studyRows(join(root, 'submission.csv'), d);
    studyRows(out, d).forEach((p, j) => p.forEach((v, k) => expect(v).toBeCloseTo(intact[j][k], 6)));
  });

  it('a stage failing after preparation (an unreadable stack) sends only that study to the priors', async () => {
    const prepared = join(tmp, 'prepared-copy');
    cpSync(clean.preparedDir, prepared, { recursive: true });
    const d = studies[3];
    writeFileSync(join(prepared, 'stacks', `${d}_${of(d, 'Sagittal T2/STIR').seriesId}.npy`), 'not an npy file');
    const r = await runInference({ input: data, out: join(tmp, 'stage-out', 'submission.csv'), models: root, preset: 'tiny', preparedDir: prepared });
    expect(r.fallbacks.map((f) => [f.studyId, f.stage])).toEqual([[d, 'coords']]);
    expect(r.fallbacks[0].reason).toContain(String(of(d, 'Sagittal T2/STIR').seriesId));
    expect(validateSubmission(r.submission, join(data, 'test_series_descriptions.csv'))).toEqual([]);
  });
});

describe('a failure inside a batched stage stays with its study', () => {
  it('level 1: a study whose crops cannot be read is reported, the others are predicted', async () => {
    const models = await loadInferenceModels(root, 'auto', 'tiny');
    try {
      const good = readLevel1(clean.workDir).find((s) => s.name === 'crop')!.rows;
      const ghost = { studyId: 42, seriesId: 43, description: 'Sagittal T2/STIR' as const, level: 0 };
      const failed: Array<[number, string]> = [];
      const sets = await predictLevel1(models.level1, [...good, ghost], {
        cropsRoot: join(clean.workDir, 'crops'), batchSize: 8, onFail: (s, e) => failed.push([s, `${e.stage}: ${e.reason}`]),
      });
      expect(failed).toEqual([[42, expect.stringMatching(/^level1: .*crop file missing/)]]); // once, not once per model
      expect(sets.find((s) => s.name === 'crop')!.rows).toEqual(good);
      const saved = readLevel1(clean.workDir);
      for (const s of sets) {
        const ref = saved.find((x) => x.name === s.name)!;
        expect(s.rows).toEqual(ref.rows);
        s.logits.forEach((v, i) => expect(v).toBeCloseTo(ref.logits[i], 5));
      }
      // Level 2: a study with non-finite level-1 logits falls back, the others keep their output.
      const bad = sets.map((s) => ({ ...s, logits: s.logits.map((v, i) => (s.rows[Math.floor(i / (s.logits.length / s.rows.length))].studyId === good[0].studyId ? NaN : v)) }));
      const lvl2Failed: number[] = [];
      const studies = [...new Set(good.map((r) => r.studyId))];
      const probs = await predictStudies(models.lvl2, bad, studies, (st, e) => lvl2Failed.push(e.stage === 'lvl2' ? st : -1));
      expect(lvl2Failed).toEqual([good[0].studyId]);
      expect([...probs.keys()].sort()).toEqual(studies.filter((st) => st !== good[0].studyId).sort());
    } finally {
      disposeInferenceModels(models);
    }
  });
});

describe('a broken model is an error, not a submission of priors', () => {
  it('a level-1 checkpoint that fails for every study stops the run', async () => {
    const broken = join(tmp, 'broken-models');
    cpSync(root, broken, { recursive: true });
    for (const dir of readdirSync(join(broken, 'models', 'crop'))) {
      const weights = join(broken, 'models', 'crop', dir, 'weights.bin');
      if (existsSync(weights)) truncateSync(weights, 16);
    }
    await expect(runInference({ input: data, out: join(tmp, 'broken-model-out', 'submission.csv'), models: broken, preset: 'tiny', preparedDir: clean.preparedDir }))
      .rejects.toThrow(/crop\/fold_0\/weights\.bin: weights hold 16 bytes/);
    expect(existsSync(join(tmp, 'broken-model-out', 'submission.csv'))).toBe(false);
  });
});

describe('level-1 artefacts of a run', () => {
  it('saving them leaves no model of an earlier run behind', () => {
    const work = join(tmp, 'level1-work');
    const set = (name: string) => ({ name, target: 'scs' as const, rows: [{ studyId: 1, seriesId: 2, description: 'Sagittal T2/STIR' as const, level: 0 }], logits: Float32Array.from([0.1, 0.2, 0.3]) });
    saveLevel1(work, [set('old_model'), set('scs')]);
    saveLevel1(work, [set('scs')]);
    expect(readLevel1(work).map((s) => s.name)).toEqual(['scs']);
  });
});

describe('spinelab infer', () => {
  it('runs from the CLI with --json and rejects bad options with exit code 2', () => {
    const bin = join(projectRoot(), 'bin', 'spinelab.mjs');
    const out = join(tmp, 'cli', 'submission.csv');
    const ok = spawnSync(process.execPath, [bin, 'infer', '--input', data, '--out', out, '--models', root, '--preset', 'tiny', '--json'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    const json = JSON.parse(ok.stdout.trim().split('\n').pop()!);
    expect(json).toMatchObject({ studies: TEST_STUDIES, rows: 100, fallbacks: [] });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(root, 'submission.csv'), 'utf8'));
    const bad = spawnSync(process.execPath, [bin, 'infer', '--checkpoints', 'best'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--checkpoints must be one of auto, folds, fullfit/);
  });
});
