/**
 * Steps 4–5 of inference (reference §8.2): level-1 logits of every crop, then the level-2 MLP on
 * the per-study features. Both run on all studies at once; if that fails, they rerun study by
 * study so that only the studies that fail fall back to the priors.
 */
import { N_CLASSES, N_TARGETS } from '../data/vocabulary.js';
import { appliesTo, CropStore, predictCropLogits, type CropLogits, type Level1Logits, type Level1Row } from '../classify/index.js';
import { predictLvl2, type Lvl2Models } from '../lvl2/index.js';
import type { OnProgress } from '../core/progress.js';
import type { InferenceModels } from './models.js';
import { StageError } from './study.js';

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
 * T2/STIR rows only), averaged over the model's checkpoints. Studies whose crops cannot be
 * predicted are reported through `onFail` and left out of every model's rows.
 */
export async function predictLevel1(
  models: InferenceModels['level1'],
  rows: readonly Level1Row[],
  opts: { cropsRoot: string; batchSize: number; onFail: (study: number, e: StageError) => void; onProgress?: OnProgress },
): Promise<Level1Logits[]> {
  const store = new CropStore(opts.cropsRoot);
  const failed = new Set<number>();
  const results: Array<{ name: string; target: Level1Logits['target']; parts: Array<{ rows: Level1Row[]; logits: Float32Array }> }> = [];
  for (const [k, m] of models.entries()) {
    const mine = rows.filter((r) => appliesTo(m, r.description) && !failed.has(r.studyId));
    const studies = [...new Set(mine.map((r) => r.studyId))];
    const predict = (rs: readonly Level1Row[]) => predictCropLogits(m.checkpoints, rs, { cropsRoot: opts.cropsRoot, batchSize: opts.batchSize, store });
    const parts = await perStudyOnFailure<CropLogits>(
      studies,
      () => predict(mine),
      (s) => predict(mine.filter((r) => r.studyId === s)),
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
    const width = r.target === 'all' ? 5 * N_CLASSES : N_CLASSES;
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
