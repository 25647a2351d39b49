import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../lib/core/rng.js';
import { cvTable, type Lvl2Oof } from '../../lib/lvl2/index.js';
import { gapClosed } from '../../lib/metrics/index.js';
import { boundsPredictions } from '../../lib/synth/floor.js';

/** A synthetic input's truth (noise model + latents) and labels drawn from it. */
function truthInput(n: number) {
  const input = mkdtempSync(join(tmpdir(), 'lvl2-eval-'));
  const rng = new Rng(9);
  const targets = Array.from({ length: 25 }, () => ({ thresholds: [0.2, 1.0] as [number, number], reliability: 0.85 }));
  mkdirSync(join(input, 'truth', 'studies'), { recursive: true });
  writeFileSync(join(input, 'truth', 'noise-model.json'), JSON.stringify({ targets }));
  const studyIds = Array.from({ length: n }, (_, i) => 7000 + i);
  const labels = new Int32Array(n * 25);
  studyIds.forEach((id, i) => {
    const latent = Array.from({ length: 25 }, () => rng.normal());
    writeFileSync(join(input, 'truth', 'studies', `${id}.json`), JSON.stringify({ studyId: id, latent }));
    latent.forEach((t, j) => {
      const o = 0.85 * t + Math.sqrt(1 - 0.85 ** 2) * rng.normal();
      labels[i * 25 + j] = o < 0.2 ? 0 : o < 1.0 ? 1 : 2;
    });
  });
  return { input, studyIds, labels };
}

describe('level-2 CV table', () => {
  it('scores the class prior and the Bayes floor of the same studies on a synthetic input', () => {
    const { input, studyIds, labels } = truthInput(40);
    const ref = boundsPredictions(input, studyIds)!;
    // level 1 predicting the prior, level 2 the floor: their rows must equal the reference rows.
    const oof: Lvl2Oof = { studyIds, folds: new Int32Array(studyIds.length), labels, level1: ref.prior, level2: ref.floor };
    const cv = cvTable(oof, { inputDir: input });
    expect(cv.prior).toEqual(cv.level1);
    expect(cv.floor).toEqual(cv.level2);
    expect(cv.floor!.score).toBeLessThan(cv.prior!.score);
    expect(gapClosed(cv.level2.score, cv.prior!.score, cv.floor!.score)).toBe(1);
    expect(gapClosed(cv.level1.score, cv.prior!.score, cv.floor!.score)).toBe(0);
  });

  it('has no reference rows on an input without truth (real data)', () => {
    const { studyIds, labels } = truthInput(3);
    const p = new Float64Array(3 * 75).fill(1 / 3);
    const cv = cvTable({ studyIds, folds: new Int32Array(3), labels, level1: p, level2: p }, { inputDir: join(tmpdir(), 'no-such-input') });
    expect(Object.keys(cv).sort()).toEqual(['level1', 'level2']);
  });
});
