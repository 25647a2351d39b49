/**
 * Fits the label model to the real label statistics (`label-statistics.json`, derived from the
 * competition's train.csv): thresholds from the class frequencies and the latent correlation from
 * the Pearson correlation of the ordinal labels (polychoric inversion, then corrected for the
 * read noise: with o = a·t + b·e and e ~ N(0, R) independent of t, corr(o_i, o_j) =
 * R_ij·(a_i·a_j + b_i·b_j), which equals R_ij when both targets have the same reliability).
 *
 * The generator does not read the statistics at run time (a user's clone has no ../shared/data):
 * it uses the fitted figures embedded in `label-model-params.ts`; a test refits them from the
 * shared file and checks they agree.
 */
import { UsageError } from '../core/errors.js';
import { N_TARGETS, TARGETS } from '../data/vocabulary.js';
import { thresholdsFromFreq, type LabelModel } from './labels.js';
import { bvnUpper, normCdf, repairCorrelation } from './stats.js';

/** The parts of label-statistics.json the label model uses. */
export interface LabelStatistics {
  targets: Record<string, { missing: number; freq: number[] }>;
  label_correlation: { order: string[]; pearson: number[][] };
  series_per_study: Record<string, Record<string, number>>;
}

/** Pearson correlation of two ordinal labels obtained by cutting a bivariate normal with correlation ρ. */
export function ordinalPearson(thA: readonly [number, number], thB: readonly [number, number], rho: number): number {
  const moments = (th: readonly [number, number]) => {
    const g1 = 1 - normCdf(th[0]);
    const g2 = 1 - normCdf(th[1]);
    const mean = g1 + g2;
    return { mean, sd: Math.sqrt(g1 + 3 * g2 - mean * mean) };
  };
  const a = moments(thA);
  const b = moments(thB);
  let exy = 0;
  for (const ca of thA) for (const cb of thB) exy += bvnUpper(ca, cb, rho);
  return (exy - a.mean * b.mean) / (a.sd * b.sd);
}

/** The latent correlation whose cut reproduces an ordinal Pearson correlation (bisection). */
export function polychoricFromPearson(thA: readonly [number, number], thB: readonly [number, number], pearson: number): number {
  let lo = -0.995;
  let hi = 0.995;
  if (pearson <= ordinalPearson(thA, thB, lo)) return lo;
  if (pearson >= ordinalPearson(thA, thB, hi)) return hi;
  for (let it = 0; it < 40; it++) {
    const mid = (lo + hi) / 2;
    if (ordinalPearson(thA, thB, mid) < pearson) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Fit thresholds, missing rates and the true-latent correlation for the given reliabilities. */
export function fitLabelModel(stats: LabelStatistics, reliability: readonly number[]): LabelModel {
  if (reliability.length !== N_TARGETS) throw new UsageError(`fitLabelModel: ${reliability.length} reliabilities, expected ${N_TARGETS}`);
  const order = stats.label_correlation.order;
  const thresholds = TARGETS.map((t) => {
    const s = stats.targets[t];
    if (!s) throw new UsageError(`label statistics lack target ${t}`);
    return thresholdsFromFreq(s.freq);
  });
  const missing = TARGETS.map((t) => stats.targets[t].missing);
  const pos = TARGETS.map((t) => {
    const i = order.indexOf(t);
    if (i < 0) throw new UsageError(`label statistics correlation lacks target ${t}`);
    return i;
  });
  const r: number[][] = Array.from({ length: N_TARGETS }, (_, i) => Array.from({ length: N_TARGETS }, (_, j) => (i === j ? 1 : 0)));
  for (let i = 0; i < N_TARGETS; i++) {
    for (let j = i + 1; j < N_TARGETS; j++) {
      const obs = polychoricFromPearson(thresholds[i], thresholds[j], stats.label_correlation.pearson[pos[i]][pos[j]]);
      const a = reliability[i] * reliability[j] + Math.sqrt((1 - reliability[i] ** 2) * (1 - reliability[j] ** 2));
      const t = Math.max(-0.98, Math.min(0.98, obs / a));
      r[i][j] = t;
      r[j][i] = t;
    }
  }
  return { thresholds, missing, reliability: reliability.slice(), correlation: repairCorrelation(r, 0.02) };
}

/** Round a fitted model for embedding as source text (4 decimals for correlations, 6 for thresholds). */
export function roundLabelModel(m: LabelModel): LabelModel {
  const round = (v: number, d: number) => Number(v.toFixed(d));
  return {
    thresholds: m.thresholds.map(([a, b]) => [round(a, 6), round(b, 6)] as const),
    missing: m.missing.map((v) => round(v, 5)),
    reliability: m.reliability.slice(),
    correlation: m.correlation.map((row) => row.map((v) => round(v, 4))),
  };
}
