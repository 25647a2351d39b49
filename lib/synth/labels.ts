/**
 * The label model of the synthetic studies.
 *
 * Each of the 25 targets has a continuous TRUE severity t ~ N(0, 1); the 25 latents of a study are
 * jointly Gaussian with correlation R (a Gaussian copula fitted to the real labels'
 * correlations). The true class is t cut at two thresholds fitted to the real class frequencies.
 * A radiologist's read is o = a·t + √(1 − a²)·e (a = reliability) with read noise e ~ N(0, R)
 * independent of t (a reader who over-calls one level tends to over-call its neighbours), cut at
 * the SAME thresholds: that is the observed label written to train.csv. Because o is also
 * N(0, 1), the observed labels have exactly the real class frequencies, and so do the true ones.
 * The images show t itself (through `severityScale`), so the best any model can do is
 * P(observed | t): the Bayes floor.
 */
import { Rng } from '../core/rng.js';
import { N_TARGETS } from '../data/vocabulary.js';
import { cholesky, normCdf, normInv } from './stats.js';

export interface LabelModel {
  /** Per target (TARGETS order): thresholds [c1, c2] on the standard-normal latent. */
  thresholds: ReadonlyArray<readonly [number, number]>;
  /** Per target: probability that the label is missing from train.csv. */
  missing: readonly number[];
  /** Per target: reliability a ∈ (0, 1] of the observed read (1 = no label noise). */
  reliability: readonly number[];
  /** 25×25 correlation of the true latents. */
  correlation: ReadonlyArray<readonly number[]>;
}

/** One study's labels. All arrays have 25 entries in TARGETS order. */
export interface StudyLabels {
  /** True continuous severity (standard-normal latent). */
  latent: number[];
  /** True class 0/1/2. */
  trueClass: number[];
  /** The radiologist's read 0/1/2, or -1 where the label is missing. */
  observed: number[];
}

export function classOf(v: number, th: readonly [number, number]): 0 | 1 | 2 {
  return v <= th[0] ? 0 : v <= th[1] ? 1 : 2;
}

/**
 * Map a latent to the visible severity σ ∈ [0, 1]: the class boundaries land at σ = 0.4 and 0.7
 * for every target, and within a class σ is the latent's quantile. So "moderate" always looks like
 * σ ∈ (0.4, 0.7], between normal/mild and severe, whatever the level's class frequencies.
 */
export function severityScale(t: number, th: readonly [number, number]): number {
  const u = normCdf(t);
  const p1 = normCdf(th[0]);
  const p2 = normCdf(th[1]);
  if (u <= p1) return (0.4 * u) / p1;
  if (u <= p2) return 0.4 + (0.3 * (u - p1)) / Math.max(p2 - p1, 1e-12);
  return 0.7 + (0.3 * (u - p2)) / Math.max(1 - p2, 1e-12);
}

/**
 * P(observed class | true latent t) under the read model o = a·t + √(1 − a²)·e. Given the whole
 * study's latents this depends on t of the same target only (e is independent of t), so it is
 * also the best per-row prediction from the images.
 */
export function observedPosterior(t: number, th: readonly [number, number], a: number): [number, number, number] {
  if (a >= 1) {
    const c = classOf(t, th);
    return [c === 0 ? 1 : 0, c === 1 ? 1 : 0, c === 2 ? 1 : 0];
  }
  const s = Math.sqrt(1 - a * a);
  const f0 = normCdf((th[0] - a * t) / s);
  const f1 = normCdf((th[1] - a * t) / s);
  return [f0, Math.max(f1 - f0, 0), 1 - f1];
}

/** Marginal class frequencies implied by a target's thresholds. */
export function classPrior(th: readonly [number, number]): [number, number, number] {
  const f0 = normCdf(th[0]);
  const f1 = normCdf(th[1]);
  return [f0, f1 - f0, 1 - f1];
}

/** Thresholds that reproduce class frequencies [p0, p1, p2] on a standard-normal latent. */
export function thresholdsFromFreq(freq: readonly number[]): [number, number] {
  const s = freq[0] + freq[1] + freq[2];
  return [normInv(freq[0] / s), normInv((freq[0] + freq[1]) / s)];
}

/**
 * Draws studies' labels. Missingness beyond the axial coverage (see `upperAxialGap`) is drawn
 * independently per target at the model's residual rate.
 */
export class LabelSampler {
  private readonly chol: Float64Array[];
  constructor(readonly model: LabelModel) {
    this.chol = cholesky(model.correlation);
  }

  /** One draw from N(0, R): a study's true latents, or its read noise. */
  latents(rng: Rng): number[] {
    const z = Array.from({ length: N_TARGETS }, () => rng.normal());
    return this.chol.map((row, i) => {
      let s = 0;
      for (let k = 0; k <= i; k++) s += row[k] * z[k];
      return s;
    });
  }

  /**
   * One study. `unlabelled[j]` forces target j missing (its series was not acquired, or the axial
   * series does not reach its level); `residualMissing[j]` is the extra missing rate.
   */
  sample(rng: Rng, unlabelled: readonly boolean[], residualMissing: readonly number[]): StudyLabels {
    const latent = this.latents(rng);
    const noise = this.latents(rng);
    const trueClass: number[] = [];
    const observed: number[] = [];
    for (let j = 0; j < N_TARGETS; j++) {
      const th = this.model.thresholds[j];
      const a = this.model.reliability[j];
      const read = a * latent[j] + Math.sqrt(Math.max(1 - a * a, 0)) * noise[j];
      const miss = rng.random() < residualMissing[j];
      trueClass.push(classOf(latent[j], th));
      observed.push(unlabelled[j] || miss ? -1 : classOf(read, th));
    }
    return { latent, trueClass, observed };
  }
}

/**
 * Probabilities that the axial coverage misses the top levels: [P(only L1/L2 missed),
 * P(L1/L2 and L2/L3 missed)]. The real subarticular labels are missing far more often at L1/L2
 * (≈8 %) and L2/L3 (≈4 %) than below, because axial blocks often start lower; we reproduce that
 * mechanism, taking the rates from the model's subarticular missing rates.
 */
export function upperAxialGap(model: LabelModel, ssTargets: { l1l2: number[]; l2l3: number[] }): [number, number] {
  const both = Math.min(...ssTargets.l2l3.map((j) => model.missing[j]));
  const upper = Math.min(...ssTargets.l1l2.map((j) => model.missing[j]));
  return [Math.max(upper - both, 0), both];
}
