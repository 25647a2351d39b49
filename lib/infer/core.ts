/**
 * The IO-free core of inference (reference §8.2 steps 2–6): disc centres and level crops of a
 * study's stacks, level-1 logits and level-2 probabilities with per-study fallbacks, and the
 * submission rows. `runInference` (Node: prepared stacks, crops and submission on disk) and the
 * browser page (a study the user drops) both run these functions, so they give the same numbers.
 */
import { asError, SpinelabError, UsageError } from '../core/errors.js';
import type { NdArray } from '../core/npy.js';
import type { OnProgress } from '../core/progress.js';
import { middleSliceU8 } from '../coords/image.js';
import { predictImages, type CoordsModel } from '../coords/infer.js';
import { N_COORDS } from '../coords/types.js';
import { cropSeries, type CropBox } from '../crops/box.js';
import { N_CLASSES, N_TARGETS, rowId, SUBMISSION_CLASSES, TARGETS, type SagittalDescription } from '../data/vocabulary.js';
import { appliesTo, type CropLogits } from '../classify/logits.js';
import { level1Width, type Level1Logits, type Level1Row } from '../classify/level1.js';
import type { ModelLayout } from '../lvl2/features.js';
import { predictLvl2, type Lvl2Models } from '../lvl2/infer.js';

export interface StudySeries {
  seriesId: number;
  description: SagittalDescription;
}

export type InferStage = 'prepare' | 'coords' | 'crops' | 'level1' | 'lvl2';

/** Which step failed, for the fallbacks table. */
export class StageError extends SpinelabError {
  /** The cause's message, with the series when known (the study is the fallback's key). */
  readonly reason: string;
  constructor(readonly stage: InferStage, cause: unknown, studyId: number, seriesId?: number) {
    super(`${stage}: ${asError(cause).message}`, { studyId, seriesId }, { cause });
    this.reason = `${seriesId !== undefined ? `series ${seriesId}: ` : ''}${asError(cause).message}`;
  }
}

/** The disc centres and level crops of one study (series in the order given). */
export interface StudyCutCrops {
  /** Per series: relative centres [u, v] × 5 (LEVELS order). */
  coords: Array<StudySeries & { pred: Float32Array }>;
  /** Per series, the 5 levels' boxes and crops (all slices of the stack). */
  cuts: Array<Array<{ box: CropBox; crop: NdArray }>>;
}

/**
 * Steps 2–3 for ONE study, so a failure stays with its study: the disc centres of each sagittal
 * series from its middle slice, then the 5 level crops through all slices.
 * @param stacks the prepared (slices × rows × cols) stack of each series, in `series` order
 */
export function cutStudyCrops(
  studyId: number,
  series: readonly StudySeries[],
  stacks: readonly NdArray[],
  models: readonly CoordsModel[],
  delta: number,
): StudyCutCrops {
  let pred: Float32Array;
  try {
    pred = predictImages(models, stacks.map((st) => middleSliceU8(st)));
  } catch (e) {
    throw new StageError('coords', e, studyId);
  }
  const coords = series.map((s, i) => ({ ...s, pred: pred.slice(i * N_COORDS, (i + 1) * N_COORDS) }));
  const cuts = coords.map((s, i) => {
    try {
      return cropSeries(stacks[i], s.pred, delta);
    } catch (e) {
      throw new StageError('crops', e, studyId, s.seriesId);
    }
  });
  return { coords, cuts };
}

/**
 * Run `all` on every study; on failure, run `one` per study and report those that fail. When every
 * one of several studies fails on its own too, the fault is not in the studies (a broken or
 * mismatched model, say): that is an error, never a silent all-priors submission.
 */
async function perStudyOnFailure<T>(
  studies: readonly number[],
  all: () => Promise<T>,
  one: (study: number) => Promise<T>,
  onFail: (study: number, e: unknown) => void,
): Promise<Array<{ studies: number[]; value: T }>> {
  try {
    return [{ studies: [...studies], value: await all() }];
  } catch (batchError) {
    const parts: Array<{ studies: number[]; value: T }> = [];
    const failures: Array<[number, unknown]> = [];
    for (const s of studies) {
      try {
        parts.push({ studies: [s], value: await one(s) });
      } catch (e) {
        failures.push([s, e]);
      }
    }
    if (studies.length > 1 && !parts.length) throw batchError;
    for (const [s, e] of failures) onFail(s, e);
    return parts;
  }
}

/**
 * Level-1 logits of each model of the level-2 layout on the crops of `rows` (SCS models: Sagittal
 * T2/STIR rows only). `predict` runs one model's checkpoints on rows (from files in Node, from
 * memory in the page). Studies whose crops cannot be predicted are reported through `onFail` and
 * left out of every model's rows.
 */
export async function level1Logits<M extends ModelLayout>(
  models: readonly M[],
  rows: readonly Level1Row[],
  opts: {
    predict: (model: M, rows: readonly Level1Row[]) => Promise<CropLogits>;
    onFail: (study: number, e: StageError) => void;
    onProgress?: OnProgress;
  },
): Promise<Level1Logits[]> {
  const failed = new Set<number>();
  const results: Array<{ name: string; target: Level1Logits['target']; parts: Array<{ rows: Level1Row[]; logits: Float32Array }> }> = [];
  for (const [k, m] of models.entries()) {
    const mine = rows.filter((r) => appliesTo(m, r.description) && !failed.has(r.studyId));
    const studies = [...new Set(mine.map((r) => r.studyId))];
    const parts = await perStudyOnFailure<CropLogits>(
      studies,
      () => opts.predict(m, mine),
      (s) => opts.predict(m, mine.filter((r) => r.studyId === s)),
      (s, e) => {
        failed.add(s);
        opts.onFail(s, new StageError('level1', e, s));
      },
    );
    results.push({
      name: m.name,
      target: m.target,
      parts: parts.map((p) => {
        if (p.value.meta.target !== m.target) throw new StageError('level1', new Error(`checkpoint predicts "${p.value.meta.target}", the level-2 layout expects "${m.target}"`), p.studies[0]);
        const set = new Set(p.studies);
        return { rows: mine.filter((r) => set.has(r.studyId)), logits: p.value.logits };
      }),
    });
    opts.onProgress?.({ label: 'level-1 models', done: k + 1, total: models.length, detail: m.name });
  }
  // Concatenate the parts; a study dropped by a later model must not keep rows of the earlier ones.
  return results.map((r) => {
    const width = level1Width(r.target);
    const keptRows: Level1Row[] = [];
    const chunks: Float32Array[] = [];
    for (const p of r.parts) {
      p.rows.forEach((row, i) => {
        if (failed.has(row.studyId)) return;
        keptRows.push(row);
        chunks.push(p.logits.subarray(i * width, (i + 1) * width));
      });
    }
    const logits = new Float32Array(keptRows.length * width);
    chunks.forEach((c, j) => logits.set(c, j * width));
    return { name: r.name, target: r.target, rows: keptRows, logits };
  });
}

/**
 * Level-2 probabilities (75 per study) of `studies`. A study without level-1 rows gets the
 * all-zero features of the reference (§8.3). Non-finite outputs count as a failure of the study.
 */
export async function predictStudies(
  lvl2: Lvl2Models,
  sets: readonly Level1Logits[],
  studies: readonly number[],
  onFail: (study: number, e: StageError) => void,
): Promise<Map<number, Float64Array>> {
  const width = N_TARGETS * N_CLASSES;
  const parts = await perStudyOnFailure<Float64Array>(
    studies,
    async () => predictLvl2(lvl2, sets, studies),
    async (s) => predictLvl2(lvl2, sets, [s]),
    (s, e) => onFail(s, new StageError('lvl2', e, s)),
  );
  const out = new Map<number, Float64Array>();
  for (const p of parts) {
    p.studies.forEach((s, i) => {
      const probs = p.value.slice(i * width, (i + 1) * width);
      if (probs.every((v) => Number.isFinite(v))) out.set(s, probs);
      else onFail(s, new StageError('lvl2', new Error('non-finite probabilities'), s));
    });
  }
  return out;
}

export const SUBMISSION_HEADER = ['row_id', ...SUBMISSION_CLASSES] as const;

/**
 * The submission's lines (header first) for `studyIds` (sorted ascending here) from per-study
 * probabilities (75 numbers: 25 targets × 3 classes, C order). Each row is renormalised in float64
 * so it sums to 1 up to rounding (tfjs softmax is float32).
 */
export function submissionLines(studyIds: readonly number[], probs: ReadonlyMap<number, ArrayLike<number>>): string[] {
  const lines: string[] = [SUBMISSION_HEADER.join(',')];
  for (const study of [...studyIds].sort((a, b) => a - b)) {
    const p = probs.get(study);
    if (!p || p.length !== N_TARGETS * N_CLASSES) throw new UsageError(`study ${study}: expected ${N_TARGETS * N_CLASSES} probabilities, got ${p ? p.length : 'none'}`);
    for (let j = 0; j < N_TARGETS; j++) {
      const row = [p[3 * j], p[3 * j + 1], p[3 * j + 2]];
      const s = row[0] + row[1] + row[2];
      if (!row.every((v) => Number.isFinite(v) && v >= 0) || !(s > 0)) throw new UsageError(`study ${study}, ${TARGETS[j]}: probabilities ${row.join(', ')} are not a distribution`);
      lines.push(`${rowId(study, j)},${row.map((v) => String(v / s)).join(',')}`);
    }
  }
  return lines;
}
