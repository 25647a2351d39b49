/**
 * Inference on ONE study held in memory (the page's study), by the functions `runInference` runs
 * (lib/infer/core.ts), with the same rules: a sagittal series that could not be read sends the
 * study to the class priors; a study without sagittal series gets the level-2 model's output on
 * all-zero features (reference §8.3); a stage that fails sends it to the priors. IO-free.
 */
import type { NdArray } from '../core/npy.js';
import type { OnProgress } from '../core/progress.js';
import { cropLogits, type CropClassifiers } from '../classify/logits.js';
import type { CropSource } from '../classify/dataset.js';
import { scaleStackTo8Bit, type Stack8 } from '../classify/frames.js';
import type { CoordsModel } from '../coords/infer.js';
import type { CropBox } from '../crops/box.js';
import { LEVELS } from '../data/vocabulary.js';
import { cutStudyCrops, level1Logits, predictStudies, StageError, type InferStage, type StudySeries } from '../infer/core.js';
import type { Level1Logits, Level1Row } from '../classify/level1.js';
import type { ModelLayout } from '../lvl2/features.js';
import type { Lvl2Models } from '../lvl2/infer.js';

/** The models of a finished run, loaded (from disk in Node, over http in the page). */
export interface StudyModels {
  coords: CoordsModel[];
  /** Level-1 models in the level-2 layout's order. */
  level1: Array<ModelLayout & { classifiers: CropClassifiers }>;
  lvl2: Lvl2Models;
  /** Half-size of the crop box (relative), as the training crops were cut. */
  cropDelta: number;
  /** The class priors' prediction, 25 × 3. */
  priors: number[][];
  /** Crops per batch of the level-1 models. */
  batchSize: number;
}

export interface SeriesPrediction extends StudySeries {
  /** Relative disc centres [u, v] × 5. */
  pred: Float32Array;
  /** The 5 level boxes (pixels) and crops (all slices). */
  cuts: Array<{ box: CropBox; crop: NdArray }>;
}

export interface StudyPrediction {
  studyId: number;
  /** 75 probabilities: 25 targets × 3 classes, C order. */
  probs: Float64Array;
  /** models: the whole pipeline; no-sagittal: level 2 on all-zero features; priors: a fallback. */
  source: 'models' | 'no-sagittal' | 'priors';
  fallback: { stage: InferStage; reason: string } | null;
  series: SeriesPrediction[];
  level1: Level1Logits[];
  seconds: { crops: number; level1: number; lvl2: number };
}

/**
 * Crops held in memory, scaled to 8 bits when first read, as CropStore scales the files (so a crop
 * that cannot be scaled fails in the level-1 step, as in Node).
 */
class MemoryCrops implements CropSource {
  private readonly crops = new Map<string, NdArray>();
  private readonly scaled = new Map<string, Stack8>();
  add(seriesId: number, level: number, crop: NdArray): void {
    this.crops.set(`${seriesId}_${level}`, crop);
  }
  get(_set: string, r: { studyId: number; seriesId: number; level: number }): Stack8 {
    const key = `${r.seriesId}_${r.level}`;
    let s = this.scaled.get(key);
    if (!s) {
      const crop = this.crops.get(key);
      if (!crop) throw new Error(`no crop for series ${r.seriesId}, level ${LEVELS[r.level]}`);
      s = scaleStackTo8Bit(crop, `crop of series ${r.seriesId}, ${LEVELS[r.level]}`);
      this.scaled.set(key, s);
    }
    return s;
  }
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Predict one study from its sagittal stacks (series ascending). `unreadable` names a sagittal
 * series that could not be read: as in `runInference`, the study then gets the priors.
 */
export async function predictStudy(
  models: StudyModels,
  studyId: number,
  series: ReadonlyArray<StudySeries & { stack: NdArray }>,
  opts: { unreadable?: string; onProgress?: OnProgress } = {},
): Promise<StudyPrediction> {
  const prior = Float64Array.from(models.priors.flat());
  const t0 = now();
  const seconds = { crops: 0, level1: 0, lvl2: 0 };
  const priors = (stage: InferStage, reason: string, done: SeriesPrediction[] = [], level1: Level1Logits[] = []): StudyPrediction =>
    ({ studyId, probs: prior, source: 'priors', fallback: { stage, reason }, series: done, level1, seconds });
  if (opts.unreadable) return priors('prepare', opts.unreadable);

  let done: SeriesPrediction[];
  try {
    const cut = cutStudyCrops(studyId, series, series.map((s) => s.stack), models.coords, models.cropDelta);
    done = cut.coords.map((c, i) => ({ seriesId: c.seriesId, description: c.description, pred: c.pred, cuts: cut.cuts[i] }));
  } catch (e) {
    if (!(e instanceof StageError)) throw e;
    return priors(e.stage, e.reason);
  }
  const t1 = now();
  seconds.crops = (t1 - t0) / 1000;
  opts.onProgress?.({ label: 'disc levels and crops', done: 1, total: 1 });

  let failure: StageError | null = null;
  const onFail = (_s: number, e: StageError) => (failure ??= e);
  const source = new MemoryCrops();
  const rows: Level1Row[] = [];
  for (const s of done) {
    s.cuts.forEach(({ crop }, level) => {
      source.add(s.seriesId, level, crop);
      rows.push({ studyId, seriesId: s.seriesId, description: s.description, level });
    });
  }
  const level1 = await level1Logits(models.level1, rows, {
    predict: (m, rs) => cropLogits(m.classifiers, rs, source, models.batchSize),
    onFail,
    onProgress: opts.onProgress,
  });
  const t2 = now();
  seconds.level1 = (t2 - t1) / 1000;
  const probs = failure ? undefined : (await predictStudies(models.lvl2, level1, [studyId], onFail)).get(studyId);
  seconds.lvl2 = (now() - t2) / 1000;
  const f = failure as StageError | null;
  if (f || !probs) return priors(f?.stage ?? 'lvl2', f?.reason ?? 'no probabilities', done, level1);
  return { studyId, probs, source: series.length ? 'models' : 'no-sagittal', fallback: null, series: done, level1, seconds };
}
