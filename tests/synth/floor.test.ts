/**
 * The Bayes floor and the class-prior baseline, scored with METRIC's competition metric on
 * label-only draws (no images needed): the floor must beat every distortion of itself, the
 * class-given floor and the prior.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { N_TARGETS } from '../../lib/data/vocabulary.js';
import { scoreStudies } from '../../lib/metrics/index.js';
import { scoreBounds, type BoundsStudy } from '../../lib/synth/floor.js';
import { weightedAct } from '../../lib/metrics/index.js';
import { EMBEDDED_LABEL_MODEL } from '../../lib/synth/label-model-params.js';
import { LabelSampler, observedPosterior } from '../../lib/synth/labels.js';
import { drawStudyLabels } from '../../lib/synth/study.js';

const model = EMBEDDED_LABEL_MODEL;
const sampler = new LabelSampler(model);
const rng = new Rng(3);
const studies: BoundsStudy[] = Array.from({ length: 3000 }, (_, i) => {
  const { labels } = drawStudyLabels(rng.fork(i), sampler);
  return { studyId: 1_000_000 + i, latent: labels.latent, observed: labels.observed };
});

/** The floor's prediction (the weighted Bayes act) distorted by a temperature τ and mixed with uniform. */
function distorted(tau: number, mix: number): Map<number, Float64Array> {
  const out = new Map<number, Float64Array>();
  for (const st of studies) {
    const p = new Float64Array(3 * N_TARGETS);
    for (let j = 0; j < N_TARGETS; j++) {
      const post = weightedAct(observedPosterior(st.latent[j], model.thresholds[j], model.reliability[j])).map((v) => Math.max(v, 1e-300) ** tau);
      const sum = post[0] + post[1] + post[2];
      for (let k = 0; k < 3; k++) p[3 * j + k] = (1 - mix) * (post[k] / sum) + mix / 3;
    }
    out.set(st.studyId, p);
  }
  return out;
}

describe('synthetic score bounds', () => {
  const labels = new Map(studies.map((s) => [s.studyId, Int8Array.from(s.observed)]));
  const bounds = scoreBounds(studies, model);

  it('floor < plain posterior, floor < floor given the true class < best constant < class prior', () => {
    expect(bounds.studies).toBe(3000);
    for (const part of ['score', 'spinal', 'foraminal', 'subarticular'] as const) {
      expect(bounds.floor[part], part).toBeLessThan(bounds.posterior[part]);
      expect(bounds.floor[part], part).toBeLessThan(bounds.floorGivenClass[part]);
      expect(bounds.floorGivenClass[part], part).toBeLessThan(bounds.priorWeighted[part]);
      expect(bounds.priorWeighted[part], part).toBeLessThan(bounds.prior[part]);
    }
    expect(bounds.floor.scoredRows).toBe(studies.reduce((s, st) => s + st.observed.filter((o) => o >= 0).length, 0));
  });

  it('the floor is the metric of q ∝ (1,2,4)·P(observed | latent), and distorting q scores worse', () => {
    expect(scoreStudies(labels, distorted(1, 0)).score).toBeCloseTo(bounds.floor.score, 12);
    for (const [tau, mix] of [[0.85, 0], [1.15, 0], [1, 0.03]]) {
      expect(scoreStudies(labels, distorted(tau, mix)).score, `τ=${tau} mix=${mix}`).toBeGreaterThan(bounds.floor.score);
    }
  });

  it('the floor sits well below the prior: severity is learnable from the images', () => {
    expect(bounds.prior.score - bounds.floor.score).toBeGreaterThan(0.2);
  });
});
