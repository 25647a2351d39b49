import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { N_TARGETS, TARGETS } from '../../lib/data/vocabulary.js';
import { fitLabelModel, roundLabelModel, type LabelStatistics } from '../../lib/synth/fit.js';
import { observedGivenTrue } from '../../lib/synth/floor.js';
import { DEFAULT_RELIABILITY, EMBEDDED_LABEL_MODEL, SERIES_COUNTS } from '../../lib/synth/label-model-params.js';
import { LabelSampler, observedPosterior, severityScale } from '../../lib/synth/labels.js';
import { drawSeriesCounts } from '../../lib/synth/series.js';
import { bvnUpper, cholesky, normCdf, normInv, symmetricEigen } from '../../lib/synth/stats.js';
import { drawStudyLabels } from '../../lib/synth/study.js';
import { SHARED, SHARED_SKIP_REASON, sharedPath } from '../helpers/shared.js';

describe('synth numerics (against closed forms and simulation)', () => {
  it('normCdf / normInv agree with tabulated values and invert each other', () => {
    expect(normCdf(1.959963984540054)).toBeCloseTo(0.975, 7);
    expect(normCdf(-3)).toBeCloseTo(0.0013498980316301, 9);
    expect(normInv(0.975)).toBeCloseTo(1.959963984540054, 7);
    for (const x of [-5, -2.3, -0.4, 0, 0.7, 3.1]) expect(normInv(normCdf(x))).toBeCloseTo(x, 5);
  });

  it('bvnUpper matches the orthant closed form 1/4 + asin(ρ)/2π and a Monte Carlo estimate', () => {
    for (const rho of [-0.9, -0.3, 0, 0.5, 0.95]) expect(bvnUpper(0, 0, rho)).toBeCloseTo(0.25 + Math.asin(rho) / (2 * Math.PI), 7);
    const rng = new Rng(1);
    const n = 200_000;
    for (const [h, k, rho] of [[0.8, 1.5, 0.6], [-0.3, 1.1, -0.4], [1.2, 1.9, 0.9]]) {
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const x = rng.normal();
        const y = rho * x + Math.sqrt(1 - rho * rho) * rng.normal();
        if (x > h && y > k) hits++;
      }
      const p = bvnUpper(h, k, rho);
      expect(Math.abs(hits / n - p)).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it('eigen-decomposition and Cholesky reconstruct the embedded correlation matrix', () => {
    const r = EMBEDDED_LABEL_MODEL.correlation;
    const { values, vectors } = symmetricEigen(r);
    const l = cholesky(r);
    expect(Math.min(...values)).toBeGreaterThan(0);
    for (let i = 0; i < N_TARGETS; i++) {
      for (let j = 0; j < N_TARGETS; j++) {
        let e = 0;
        let c = 0;
        for (let k = 0; k < N_TARGETS; k++) {
          e += vectors[i][k] * values[k] * vectors[j][k];
          c += l[i][k] * l[j][k];
        }
        expect(e).toBeCloseTo(r[i][j], 9);
        expect(c).toBeCloseTo(r[i][j], 9);
      }
    }
  });

  it('P(observed | latent) and the confusion matrix agree with simulating the read model', () => {
    const rng = new Rng(2);
    const th: [number, number] = [0.3, 1.3];
    const a = 0.85;
    const n = 100_000;
    const t = 0.9;
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const o = a * t + Math.sqrt(1 - a * a) * rng.normal();
      counts[o <= th[0] ? 0 : o <= th[1] ? 1 : 2]++;
    }
    const post = observedPosterior(t, th, a);
    expect(post[0] + post[1] + post[2]).toBeCloseTo(1, 12);
    for (let k = 0; k < 3; k++) expect(Math.abs(counts[k] / n - post[k])).toBeLessThan(0.006);
    // Confusion: P(observed | true class) with t ~ N(0, 1).
    const conf = observedGivenTrue(th, a);
    const joint = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    for (let i = 0; i < n; i++) {
      const tt = rng.normal();
      const o = a * tt + Math.sqrt(1 - a * a) * rng.normal();
      joint[tt <= th[0] ? 0 : tt <= th[1] ? 1 : 2][o <= th[0] ? 0 : o <= th[1] ? 1 : 2]++;
    }
    for (let m = 0; m < 3; m++) {
      const row = joint[m].reduce((x, y) => x + y, 0);
      expect(conf[m].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
      for (let k = 0; k < 3; k++) expect(Math.abs(joint[m][k] / row - conf[m][k])).toBeLessThan(0.02);
    }
  });

  it('visible severity puts the class boundaries at 0.4 and 0.7 and is monotone', () => {
    const th: [number, number] = [0.5, 1.4];
    expect(severityScale(0.5, th)).toBeCloseTo(0.4, 9);
    expect(severityScale(1.4, th)).toBeCloseTo(0.7, 9);
    let prev = -1;
    for (let t = -4; t <= 4; t += 0.05) {
      const s = severityScale(t, th);
      expect(s).toBeGreaterThan(prev);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      prev = s;
    }
  });
});

describe.skipIf(!SHARED)(`synth labels vs the real label statistics ${SHARED ? '' : SHARED_SKIP_REASON}`, () => {
  const stats = (SHARED ? JSON.parse(readFileSync(sharedPath('rsna2024', 'label-statistics.json'), 'utf8')) : null) as
    | (LabelStatistics & { any_severe_spinal_rate: number })
    | null;

  it('the embedded label model is the fit of label-statistics.json', () => {
    const refit = roundLabelModel(fitLabelModel(stats!, DEFAULT_RELIABILITY));
    for (let j = 0; j < N_TARGETS; j++) {
      expect(EMBEDDED_LABEL_MODEL.thresholds[j][0]).toBeCloseTo(refit.thresholds[j][0], 5);
      expect(EMBEDDED_LABEL_MODEL.thresholds[j][1]).toBeCloseTo(refit.thresholds[j][1], 5);
      expect(EMBEDDED_LABEL_MODEL.missing[j]).toBeCloseTo(stats!.targets[TARGETS[j]].missing, 5);
      for (let i = 0; i < N_TARGETS; i++) expect(Math.abs(EMBEDDED_LABEL_MODEL.correlation[j][i] - refit.correlation[j][i])).toBeLessThan(2e-4);
    }
    expect(SERIES_COUNTS).toEqual(stats!.series_per_study);
  });

  it('sampled labels match the real class frequencies, missing rates, correlations and any-severe rate', () => {
    const n = 30_000;
    const sampler = new LabelSampler(EMBEDDED_LABEL_MODEL);
    const rng = new Rng(11);
    const obs: number[][] = [];
    for (let i = 0; i < n; i++) obs.push(drawStudyLabels(rng.fork(i), sampler).labels.observed);
    let anySevere = 0;
    for (const o of obs) if ([0, 1, 2, 3, 4].some((l) => o[l] === 2)) anySevere++;
    const se = (p: number, m: number) => Math.sqrt((p * (1 - p)) / m);
    expect(Math.abs(anySevere / n - stats!.any_severe_spinal_rate)).toBeLessThan(4.5 * se(stats!.any_severe_spinal_rate, n) + 0.005);
    TARGETS.forEach((name, j) => {
      const ref = stats!.targets[name];
      const present = obs.filter((o) => o[j] >= 0);
      expect(Math.abs(1 - present.length / n - ref.missing)).toBeLessThan(4.5 * se(ref.missing, n) + 0.002);
      for (let k = 0; k < 3; k++) {
        const p = present.filter((o) => o[j] === k).length / present.length;
        expect(Math.abs(p - ref.freq[k]), `${name} class ${k}`).toBeLessThan(4.5 * se(ref.freq[k], present.length) + 1e-3);
      }
    });
    // Pearson correlation of the ordinal labels (pairwise complete), within fit + sampling error.
    const order = stats!.label_correlation.order;
    let sumErr = 0;
    for (let i = 0; i < N_TARGETS; i++) {
      for (let j = i + 1; j < N_TARGETS; j++) {
        const both = obs.filter((o) => o[i] >= 0 && o[j] >= 0);
        const mi = both.reduce((s, o) => s + o[i], 0) / both.length;
        const mj = both.reduce((s, o) => s + o[j], 0) / both.length;
        let cov = 0, vi = 0, vj = 0;
        for (const o of both) {
          cov += (o[i] - mi) * (o[j] - mj);
          vi += (o[i] - mi) ** 2;
          vj += (o[j] - mj) ** 2;
        }
        const r = cov / Math.sqrt(vi * vj);
        const ref = stats!.label_correlation.pearson[order.indexOf(TARGETS[i])][order.indexOf(TARGETS[j])];
        expect(Math.abs(r - ref), `${TARGETS[i]} × ${TARGETS[j]}`).toBeLessThan(0.045);
        sumErr += Math.abs(r - ref);
      }
    }
    expect(sumErr / 300).toBeLessThan(0.012);
  });

  it('series per study follow the real counts', () => {
    const n = 20_000;
    const rng = new Rng(5);
    const hist: Record<string, Record<number, number>> = { 'Sagittal T1': {}, 'Sagittal T2/STIR': {}, 'Axial T2': {} };
    for (let i = 0; i < n; i++) {
      const c = drawSeriesCounts(rng);
      for (const [d, v] of [['Sagittal T1', c.t1], ['Sagittal T2/STIR', c.t2], ['Axial T2', c.axial]] as const) hist[d][v] = (hist[d][v] ?? 0) + 1;
    }
    for (const [d, ref] of Object.entries(stats!.series_per_study)) {
      const total = Object.values(ref).reduce((s, v) => s + v, 0);
      for (const [k, v] of Object.entries(ref)) {
        const p = v / total;
        expect(Math.abs((hist[d][Number(k)] ?? 0) / n - p), `${d} × ${k}`).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / n) + 5e-4);
      }
    }
  });
});
