/**
 * Inference (reference §8, Inference notebook): a folder of DICOMs and its series descriptions →
 * `submission.csv`. Prepare the series, predict the disc centres of every sagittal series, cut the
 * level crops, run the level-1 crop models, build the level-2 features, predict, softmax.
 *
 * Robustness (reference §8.3, extended):
 * - a study without a sagittal series type gets zero features for it, as in the reference; a
 *   study with no sagittal series at all gets the level-2 model's output on all-zero features;
 * - a listed sagittal series that cannot be prepared (corrupt DICOM, folder missing), or a stage
 *   that fails for one study, sends THAT study to the class priors; the run goes on, and the
 *   result lists each fallback with its stage and reason (also in `fallbacks.csv`);
 * Porting note: the reference converts every series, axial included (§8.2 step 1); no model reads
 * Axial T2, so only the sagittal series are prepared (about half the DICOM data).
 * Missing or inconsistent models are errors (never a silent all-priors submission).
 */
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { writeCsv } from '../core/csv.js';
import { SpinelabError, UsageError } from '../core/errors.js';
import { outputDir } from '../core/paths.js';
import { initBackend } from '../engine/backend.js';
import { noProgress, type OnProgress } from '../core/progress.js';
import { missingKeypoints, writeSeriesCoords, type SeriesCoords } from '../coords/index.js';
import { writeCropsCsv, type CropRecord } from '../crops/index.js';
import { readSeriesDescriptions } from '../data/tables.js';
import { isSagittal, SAGITTAL_DESCRIPTIONS, type SagittalDescription } from '../data/vocabulary.js';
import type { Level1Row } from '../classify/index.js';
import { loadStack, prepareSplit, type SeriesError, type Split } from '../prepare/index.js';
import { saveLevel1 } from './artefacts.js';
import { evaluateSubmission, loadEvalLabels, type EvalResult } from './evaluate.js';
import { disposeInferenceModels, loadInferenceModels, modelsRoot } from './models.js';
import { predictLevel1, predictStudies } from './predict.js';
import { inferPreset, type CheckpointChoice } from './presets.js';
import { resolvePriors } from '../metrics/priors.js';
import { StageError, studyCoordsAndCrops, type InferStage, type StudySeries } from './study.js';
import { validateSubmission, writeSubmission } from './submission.js';

export interface InferenceOptions {
  /** Competition-layout folder: `{split}_images/` and `{split}_series_descriptions.csv`. */
  input: string;
  /** The submission file to write, e.g. `output/submission.csv`. */
  out: string;
  /** Artefact root holding `models/` (or the `models/` folder itself); default `output/`. */
  models?: string;
  /** Inference preset name (default demo). */
  preset?: string;
  /** Overrides the preset's checkpoint choice. */
  checkpoints?: CheckpointChoice;
  /** `test` (default) or `train` (EVAL on training images). */
  split?: Split;
  /** Labels to score with (train.csv format or a solution CSV, e.g. a synthetic `truth/test.csv`). */
  eval?: string;
  /** Scratch and report folder; default `{dirname(out)}/inference`. */
  workDir?: string;
  /** Prepared stacks of the split; default `{workDir}/prepared/{split}` (reused when present). */
  preparedDir?: string;
  onProgress?: OnProgress;
  /** One line per notable event (a fallback, the checkpoints used). */
  onLog?: (line: string) => void;
}

export interface Fallback {
  studyId: number;
  stage: InferStage;
  reason: string;
}

export interface InferenceResult {
  submission: string;
  workDir: string;
  preparedDir: string;
  split: Split;
  preset: string;
  /** tfjs backend that ran the models. */
  backend: string;
  /** Studies in the submission (every study of the descriptions file). */
  studies: number;
  rows: number;
  /** Studies predicted by the models (the others fell back to the priors). */
  predicted: number;
  fallbacks: Fallback[];
  /** Studies lacking a sagittal series type (zero features for it, reference §8.3). */
  missingSeries: Array<{ studyId: number; missing: SagittalDescription[] }>;
  /** Every sagittal series the preparation could not convert (axial series are not prepared). */
  seriesErrors: SeriesError[];
  /** Level boxes that fell back to the whole slice (empty box around the predicted centre). */
  cropFallbacks: number;
  cropDelta: number;
  checkpoints: Record<string, string[]>;
  priors: { source: string; studies: number };
  /** Files the submission was validated against (all passed). */
  validatedAgainst: string[];
  eval: EvalResult | null;
  seconds: { prepare: number; crops: number; level1: number; lvl2: number; total: number };
}

export const RESULT_FILE = 'result.json';
export const FALLBACKS_FILE = 'fallbacks.csv';
export const SERIES_COORDS_INFER = 'series_coords.csv';

export async function runInference(opts: InferenceOptions): Promise<InferenceResult> {
  const t0 = Date.now();
  const split = opts.split ?? 'test';
  if (split !== 'test' && split !== 'train') throw new UsageError(`split must be test or train, got "${split}"`);
  const preset = inferPreset(opts.preset ?? 'demo');
  const out = resolve(opts.out);
  const workDir = resolve(opts.workDir ?? join(dirname(out), 'inference'));
  const preparedDir = resolve(opts.preparedDir ?? join(workDir, 'prepared', split));
  const cropsRoot = join(workDir, 'crops');
  const onProgress = opts.onProgress ?? noProgress;
  const log = opts.onLog ?? (() => {});
  const descriptionsFile = join(opts.input, `${split}_series_descriptions.csv`);
  const seriesRows = readSeriesDescriptions(descriptionsFile);
  const studies = [...new Set(seriesRows.map((s) => s.studyId))].sort((a, b) => a - b);
  if (!studies.length) throw new UsageError(`${descriptionsFile} lists no series`);
  if (opts.eval !== undefined && !existsSync(opts.eval)) throw new UsageError(`labels for --eval not found: ${opts.eval}`);
  const evalLabels = opts.eval !== undefined ? loadEvalLabels(opts.eval, studies) : null;
  const seriesOf = new Map<number, StudySeries[]>();
  for (const s of seriesRows) {
    if (!isSagittal(s.description)) continue;
    const list = seriesOf.get(s.studyId) ?? [];
    list.push({ seriesId: s.seriesId, description: s.description as SagittalDescription });
    seriesOf.set(s.studyId, list);
  }

  // Models first: a missing model fails fast, before minutes of DICOM conversion.
  const backend = await initBackend(); // idempotent: the caller's choice stands
  const root = modelsRoot(opts.models ?? outputDir());
  // The run clears {workDir}/crops/predicted: never the training crops beside the models.
  if (resolve(workDir) === resolve(root)) throw new UsageError(`the work folder is the models' artefact root (${root}): its crops/predicted would be overwritten; choose another --work`);
  const priors = resolvePriors(root, opts.input);
  const models = await loadInferenceModels(root, opts.checkpoints ?? preset.checkpoints, preset.name);
  try {
    for (const [name, dirs] of Object.entries(models.used)) log(`${name}: ${dirs.length} checkpoint(s) ${dirs.map((d) => basename(d)).join(', ')}`);
    const fallbacks = new Map<number, Fallback>();
    const fail = (studyId: number, stage: InferStage, reason: string) => {
      if (fallbacks.has(studyId)) return;
      fallbacks.set(studyId, { studyId, stage, reason });
      log(`study ${studyId} falls back to the class priors (${stage}): ${reason}`);
    };

    // 1. Preparation (resumable: finished series are skipped).
    const tPrep = Date.now();
    const prep = await prepareSplit({ input: opts.input, split, out: preparedDir, workers: preset.workers, descriptions: SAGITTAL_DESCRIPTIONS, onProgress });
    const failedSeries = new Map(prep.errors.map((e) => [`${e.studyId}_${e.seriesId}`, e]));

    // 2–3. Disc centres and crops, study by study.
    const tCrops = Date.now();
    rmSync(join(cropsRoot, 'predicted'), { recursive: true, force: true }); // no stale crops of another run
    const coordsRows: SeriesCoords[] = [];
    const cropRecords: CropRecord[] = [];
    const missingSeries: InferenceResult['missingSeries'] = [];
    studies.forEach((studyId, i) => {
      const sagittal = seriesOf.get(studyId) ?? [];
      const missing = SAGITTAL_DESCRIPTIONS.filter((d) => !sagittal.some((s) => s.description === d));
      if (missing.length) missingSeries.push({ studyId, missing });
      const broken = sagittal.map((s) => failedSeries.get(`${studyId}_${s.seriesId}`)).find((e) => e !== undefined);
      if (broken) fail(studyId, 'prepare', `series ${broken.seriesId} (${broken.description}): ${broken.error}`);
      else {
        try {
          const r = studyCoordsAndCrops(studyId, sagittal, (seriesId) => loadStack(preparedDir, studyId, seriesId), models.coords, cropsRoot, models.cropDelta);
          for (const c of r.coords) coordsRows.push({ studyId, seriesId: c.seriesId, description: c.description, fold: -1, pred: c.pred, truth: missingKeypoints() });
          cropRecords.push(...r.crops);
        } catch (e) {
          if (!(e instanceof StageError)) throw e;
          fail(studyId, e.stage, e.reason);
        }
      }
      onProgress({ label: 'coords + crops', done: i + 1, total: studies.length, detail: String(studyId) });
    });
    writeSeriesCoords(join(workDir, SERIES_COORDS_INFER), coordsRows);
    writeCropsCsv(join(cropsRoot, 'predicted'), cropRecords);

    // 4. Level-1 logits of every crop of the studies still in.
    const tL1 = Date.now();
    const rows: Level1Row[] = cropRecords
      .filter((r) => !fallbacks.has(r.studyId))
      .map((r) => ({ studyId: r.studyId, seriesId: r.seriesId, description: r.description, level: r.level }));
    const onStageFail = (s: number, e: StageError) => fail(s, e.stage, e.reason);
    const sets = await predictLevel1(models.level1, rows, { cropsRoot, batchSize: preset.batchSize, onFail: onStageFail, onProgress });
    saveLevel1(workDir, sets);

    // 5. Level 2 and softmax; every other study gets the priors.
    const tL2 = Date.now();
    const probs = await predictStudies(models.lvl2, sets, studies.filter((s) => !fallbacks.has(s)), onStageFail);
    const prior = Float64Array.from(priors.prediction.flat());
    for (const s of studies) if (!probs.has(s)) probs.set(s, prior);

    // 6. Submission, validated against the descriptions (and the sample submission for test).
    const nRows = writeSubmission(out, studies, probs);
    const validatedAgainst = [descriptionsFile];
    const sample = join(opts.input, 'sample_submission.csv');
    if (split === 'test' && existsSync(sample)) validatedAgainst.push(sample);
    const problems = validatedAgainst.flatMap((ref) => validateSubmission(out, ref));
    if (problems.length) throw new SpinelabError(`the written submission is not valid:\n  ${problems.join('\n  ')}`, { file: out });

    const fallbackList = [...fallbacks.values()].sort((a, b) => a.studyId - b.studyId);
    writeCsv(join(workDir, FALLBACKS_FILE), ['study_id', 'stage', 'reason'], fallbackList.map((f) => ({ study_id: f.studyId, stage: f.stage, reason: f.reason })));
    const tEnd = Date.now();
    const result: InferenceResult = {
      submission: out, workDir, preparedDir, split, preset: preset.name, backend: backend.name,
      studies: studies.length, rows: nRows, predicted: studies.length - fallbackList.length,
      fallbacks: fallbackList, missingSeries, seriesErrors: prep.errors,
      cropFallbacks: cropRecords.filter((r) => r.box.fallback).length, cropDelta: models.cropDelta,
      checkpoints: models.used, priors: { source: priors.source, studies: priors.studies }, validatedAgainst,
      eval: evalLabels ? evaluateSubmission(out, evalLabels, priors) : null,
      seconds: {
        prepare: (tCrops - tPrep) / 1000, crops: (tL1 - tCrops) / 1000, level1: (tL2 - tL1) / 1000,
        lvl2: (tEnd - tL2) / 1000, total: (Date.now() - t0) / 1000,
      },
    };
    writeJsonAtomic(join(workDir, RESULT_FILE), result);
    return result;
  } finally {
    disposeInferenceModels(models);
  }
}
