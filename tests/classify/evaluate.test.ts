import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conditionConfusions, evaluateLevel1, worstRows } from '../../lib/classify/index.js';
import { Rng } from '../../lib/core/rng.js';
import { LEVELS } from '../../lib/data/vocabulary.js';
import { writeOof } from '../../lib/train/artefacts.js';
import type { TrainManifest } from '../../lib/train/types.js';
import { classPrior, observedPosterior } from '../../lib/synth/labels.js';
import { boundsPredictions } from '../../lib/synth/floor.js';
import { weightedAct } from '../../lib/metrics/index.js';

/**
 * A synthetic input with a truth folder (noise model + per-study latents) and fake level-1 models
 * whose logits are log(prior) and log(floor = the weighted act on the posterior): level 1 must then score exactly the prior (gap closed
 * 0) and exactly the floor (gap closed 1), whatever the labels.
 */
function setup() {
  const root = mkdtempSync(join(tmpdir(), 'cls-eval-'));
  const input = join(root, 'input');
  const out = join(root, 'output');
  const rng = new Rng(4);
  const targets = Array.from({ length: 25 }, (_, j) => ({ thresholds: [0.3 + j * 0.02, 1.1 + j * 0.01] as [number, number], reliability: 0.8 }));
  mkdirSync(join(input, 'truth', 'studies'), { recursive: true });
  writeFileSync(join(input, 'truth', 'noise-model.json'), JSON.stringify({ targets }));
  const labels = new Map<number, Int8Array>();
  const latent = new Map<number, number[]>();
  for (let s = 0; s < 12; s++) {
    const id = 500 + s;
    const t = Array.from({ length: 25 }, () => rng.normal());
    latent.set(id, t);
    labels.set(id, Int8Array.from(t, (v, j) => (j === 7 && s === 3 ? -1 : v + 0.6 * rng.normal() < targets[j].thresholds[0] ? 0 : v < targets[j].thresholds[1] ? 1 : 2)));
    writeFileSync(join(input, 'truth', 'studies', `${id}.json`), JSON.stringify({ studyId: id, latent: t }));
  }
  const model = (name: string, probs: (id: number, j: number) => number[]) => {
    const rows: Record<string, string | number>[] = [];
    const data: number[] = [];
    for (const id of labels.keys()) for (const [k, description] of ['Sagittal T1', 'Sagittal T2/STIR'].entries()) for (let l = 0; l < 5; l++) {
      rows.push({ study_id: id, series_id: id * 10 + k, series_description: description, level: LEVELS[l], fold: id % 2 });
      for (let c = 0; c < 5; c++) data.push(...probs(id, c * 5 + l).map(Math.log));
    }
    const manifest = { kind: 'logits', model: name, oof: 'oof_logits.npy', rows: 'oof_rows.csv', shape: [rows.length, 5, 3] } as unknown as TrainManifest;
    writeOof(join(out, 'models', name), manifest, Float32Array.from(data), rows, ['study_id', 'series_id', 'series_description', 'level']);
  };
  model('as_prior', (_, j) => classPrior(targets[j].thresholds));
  model('as_floor', (id, j) => weightedAct(observedPosterior(latent.get(id)![j], targets[j].thresholds, targets[j].reliability)));
  model('as_posterior', (id, j) => observedPosterior(latent.get(id)![j], targets[j].thresholds, targets[j].reliability));
  return { input, out, labels, latentOf: (id: number) => latent.get(id)! };
}

describe('level-1 evaluation against the synthetic bounds', () => {
  const { input, out, labels, latentOf } = setup();

  it('a model predicting the prior closes 0 % of the gap, one predicting the floor 100 %', () => {
    const p = evaluateLevel1(out, ['as_prior'], labels, { inputDir: input });
    expect(p.bounds!.gapClosed).toBeCloseTo(0, 5);
    expect(p.score.score).toBeCloseTo(p.bounds!.prior.score.score, 5);
    const f = evaluateLevel1(out, ['as_floor'], labels, { inputDir: input });
    expect(f.bounds!.gapClosed).toBeCloseTo(1, 4);
    for (const k of ['spinal', 'SCS', 'L-NFN', 'R-SS']) {
      expect(p.bounds!.gapClosedBy[k], k).toBeCloseTo(0, 5);
      expect(f.bounds!.gapClosedBy[k], k).toBeCloseTo(1, 4);
    }
    expect(p.bounds!.gapClosedBy.score).toBe(p.bounds!.gapClosed);
    for (const k of Object.keys(f.conditionLoss)) expect(f.conditionLoss[k]).toBeCloseTo(f.bounds!.floor.conditionLoss[k], 4);
    expect(f.score.score).toBeLessThan(p.score.score);
    expect(f.studyIds).toHaveLength(12);
    // The floor is the metric's Bayes act, q ∝ (1, 2, 4) ⊙ P(observed | latent): the plain posterior scores worse.
    const q = evaluateLevel1(out, ['as_posterior'], labels, { inputDir: input });
    expect(q.bounds!.gapClosed).toBeLessThan(1);
  });

  it('reference probabilities are the class prior and the weighted act on P(observed | latent) per target', () => {
    const ref = boundsPredictions(input, [503])!;
    const th: [number, number] = [0.3, 1.1];
    expect(Array.from(ref.prior.subarray(0, 3))).toEqual(classPrior(th));
    const post = observedPosterior(latentOf(503)[0], th, 0.8);
    const w = [post[0], 2 * post[1], 4 * post[2]];
    const sum = w[0] + w[1] + w[2];
    for (let k = 0; k < 3; k++) expect(ref.floor[k]).toBeCloseTo(w[k] / sum, 12);
    expect(boundsPredictions(join(input, 'nowhere'), [503])).toBeNull();
  });

  it('confusion matrices and worst rows read the labelled rows only', () => {
    const set = { name: 'x', target: 'all' as const, rows: [{ studyId: 503, seriesId: 1, description: 'Sagittal T1' as const, level: 2 }], logits: Float32Array.from({ length: 15 }, (_, i) => (i % 3 === 2 ? 2 : 0)) };
    const m = conditionConfusions(set, labels);
    expect(m).toHaveLength(5);
    // Every prediction is "Severe" (column 2); one count per condition in its true row, none for
    // L-NFN at L3/L4 of study 503 (target 7), whose label is missing.
    m.forEach((it, c) => {
      const t = labels.get(503)![c * 5 + 2];
      if (t >= 0) expect(it.matrix[t][2]).toBe(1);
      expect(it.matrix.flat().reduce((a, b) => a + b, 0)).toBe(t >= 0 ? 1 : 0);
    });
    expect(labels.get(503)![7]).toBe(-1);
    const worst = worstRows(set, labels, 2);
    expect(worst[0].loss).toBeGreaterThanOrEqual(worst[1].loss);
  });
});
