/**
 * Score bounds of a synthetic split, from its known truth: the Bayes floor (the score of the best
 * per-row prediction from perfect sight of the images) and the class-prior baseline (every row
 * predicted with its target's class frequencies). A model's competition score on the split should
 * land between the two.
 *
 * The metric weights each row by 1/2/4 by its true class, so the prediction that minimises the
 * expected loss of a row is not the posterior p = P(observed | latent) but q ∝ (1, 2, 4) ⊙ p
 * (minimise Σ_k w_k p_k (−log q_k) subject to Σ q = 1). The floor uses that Bayes act; the score
 * of the plain posterior is reported beside it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtefactError } from '../core/errors.js';
import { scoreStudies, weightedAct, type CompetitionScore } from '../metrics/index.js';
import { N_CLASSES, N_TARGETS, TARGETS } from '../data/vocabulary.js';
import { classPrior, observedPosterior, type LabelModel } from './labels.js';
import { bvnUpper, normCdf } from './stats.js';
import { readTruth } from './truth.js';

/** What the bounds need of a study. */
export interface BoundsStudy {
  studyId: number;
  /** True latent severity per target. */
  latent: readonly number[];
  /** Observed labels 0/1/2 (-1 missing) per target. */
  observed: readonly number[];
}

export interface ScoreBounds {
  studies: number;
  /** Bayes floor: predict q ∝ w ⊙ P(observed | true latent). */
  floor: CompetitionScore;
  /** Predict the plain posterior P(observed | true latent). */
  posterior: CompetitionScore;
  /** Predict q ∝ w ⊙ P(observed | true class): a model that gets every true class right. */
  floorGivenClass: CompetitionScore;
  /** Class-prior baseline: predict each target's class frequencies. */
  prior: CompetitionScore;
  /** The best constant prediction: q ∝ w ⊙ class frequencies. */
  priorWeighted: CompetitionScore;
}

/** P(X ≤ h, Y ≤ k) of standard normals with correlation ρ, with infinite limits allowed. */
function bvnLower(h: number, k: number, rho: number): number {
  if (h === -Infinity || k === -Infinity) return 0;
  if (h === Infinity) return normCdf(k);
  if (k === Infinity) return normCdf(h);
  return bvnUpper(-h, -k, rho);
}

/**
 * The read-noise confusion of one target: m[true][observed] = P(observed class | true class).
 * (t, o) are standard normals with correlation a, both cut at the target's thresholds.
 */
export function observedGivenTrue(th: readonly [number, number], a: number): number[][] {
  const cuts = [-Infinity, th[0], th[1], Infinity];
  const prior = classPrior(th);
  return [0, 1, 2].map((m) =>
    [0, 1, 2].map((k) => {
      const p = bvnLower(cuts[m + 1], cuts[k + 1], a) - bvnLower(cuts[m], cuts[k + 1], a) - bvnLower(cuts[m + 1], cuts[k], a) + bvnLower(cuts[m], cuts[k], a);
      return Math.max(p, 0) / prior[m];
    }),
  );
}

/** Score a split's Bayes floor, the plain posterior, the class-given floor and the prior baselines. */
export function scoreBounds(studies: readonly BoundsStudy[], model: LabelModel): ScoreBounds {
  const confusions = model.thresholds.map((th, j) => observedGivenTrue(th, model.reliability[j]));
  const priors = model.thresholds.map((th) => classPrior(th));
  const labels = new Map<number, Int8Array>();
  const kinds = ['floor', 'posterior', 'floorGivenClass', 'prior', 'priorWeighted'] as const;
  const preds = Object.fromEntries(kinds.map((k) => [k, new Map<number, Float64Array>()])) as Record<(typeof kinds)[number], Map<number, Float64Array>>;
  for (const st of studies) {
    labels.set(st.studyId, Int8Array.from(st.observed));
    const rows = Object.fromEntries(kinds.map((k) => [k, new Float64Array(3 * N_TARGETS)])) as Record<(typeof kinds)[number], Float64Array>;
    for (let j = 0; j < N_TARGETS; j++) {
      const th = model.thresholds[j];
      const post = observedPosterior(st.latent[j], th, model.reliability[j]);
      const m = st.latent[j] <= th[0] ? 0 : st.latent[j] <= th[1] ? 1 : 2;
      rows.floor.set(weightedAct(post), 3 * j);
      rows.posterior.set(post, 3 * j);
      rows.floorGivenClass.set(weightedAct(confusions[j][m]), 3 * j);
      rows.prior.set(priors[j], 3 * j);
      rows.priorWeighted.set(weightedAct(priors[j]), 3 * j);
    }
    for (const k of kinds) preds[k].set(st.studyId, rows[k]);
  }
  const score = (k: (typeof kinds)[number]) => scoreStudies(labels, preds[k]);
  return {
    studies: studies.length,
    floor: score('floor'), posterior: score('posterior'), floorGivenClass: score('floorGivenClass'), prior: score('prior'), priorWeighted: score('priorWeighted'),
  };
}

/**
 * The predictions behind two of the bounds, for the given studies of a synthetic input
 * (`{inputDir}/truth/`): the class prior (`prior`) and the Bayes floor (`floor`, the weighted act
 * on P(observed | true latent)), studies × 25 × 3, so a model's out-of-fold studies can be scored
 * against both. Null for an input without truth (real data).
 */
export function boundsPredictions(inputDir: string, studyIds: readonly number[]): { prior: Float64Array; floor: Float64Array } | null {
  const modelFile = join(inputDir, 'truth', 'noise-model.json');
  if (!existsSync(modelFile)) return null;
  const model = JSON.parse(readFileSync(modelFile, 'utf8')) as { targets: { thresholds: [number, number]; reliability: number }[] };
  const truth = new Map(readTruth(inputDir).studies.map((s) => [s.studyId, s]));
  const prior = new Float64Array(studyIds.length * N_TARGETS * N_CLASSES);
  const floor = new Float64Array(studyIds.length * N_TARGETS * N_CLASSES);
  studyIds.forEach((id, i) => {
    const st = truth.get(id);
    if (!st) throw new ArtefactError(`study ${id} has no truth record`, { file: join(inputDir, 'truth', 'studies') });
    model.targets.forEach((m, j) => {
      prior.set(classPrior(m.thresholds), (i * N_TARGETS + j) * N_CLASSES);
      floor.set(weightedAct(observedPosterior(st.latent[j], m.thresholds, m.reliability)), (i * N_TARGETS + j) * N_CLASSES);
    });
  });
  return { prior, floor };
}

/** The label-noise model as written to truth/noise-model.json. */
export function noiseModelReport(model: LabelModel) {
  return {
    description:
      'Each target has a true latent severity t ~ N(0,1) (25 jointly Gaussian per study, correlation `correlation`); ' +
      'true class = t cut at `thresholds`. The observed (train.csv) label is o = a*t + sqrt(1-a^2)*e cut at the same ' +
      'thresholds, with a = `reliability` and read noise e ~ N(0, correlation) independent of t. ' +
      '`confusion[target][true][observed]` = P(observed class | true class). The images show t (visible severity ' +
      'sigma in [0,1], class boundaries at 0.4 and 0.7), so the Bayes-optimal prediction is P(observed | t).',
    targets: TARGETS.map((name, j) => ({
      target: name,
      thresholds: model.thresholds[j],
      reliability: model.reliability[j],
      missing: model.missing[j],
      classPrior: classPrior(model.thresholds[j]),
      confusion: observedGivenTrue(model.thresholds[j], model.reliability[j]),
    })),
    correlation: model.correlation,
  };
}
