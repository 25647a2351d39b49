import { join } from 'node:path';
import { writeJsonAtomic } from '../../lib/core/atomic.js';
import { writeCsv } from '../../lib/core/csv.js';
import { writeNpy } from '../../lib/core/npy.js';
import { Rng } from '../../lib/core/rng.js';
import { LEVELS } from '../../lib/data/vocabulary.js';

/**
 * Generated level-1 OOF files in the CLASSIFY → level-2 contract, for developing and testing level 2
 * without trained crop models. Each study has a Sagittal T1 and a Sagittal T2/STIR series (T1
 * sometimes missing, T2 sometimes twice). A crop's logits are a noisy function of the study's label
 * at that level: a latent z = label + noise, whose noise depends on the series type (SCS is seen
 * well on T2, NFN on T1, SS moderately on both), turned into OVERCONFIDENT and biased logits
 * −scale·(z − k)² + bias_k. Averaging both types and taking the softmax (level 1 alone) is thus
 * miscalibrated and mixes a good and a poor view; a level-2 model can learn which view to trust and
 * how to calibrate it.
 */
export interface SimModel {
  name: string;
  target: 'all' | 'scs';
  /** Multiplies the noise (a weaker or stronger level-1 model). */
  noise: number;
}

// Noise of the latent severity per condition group [SCS, NFN, SS] and series type [T1, T2].
const NOISE = { T1: [1.4, 0.45, 0.8], T2: [0.45, 1.4, 0.8] };
const SCALE = 2.5;
const BIAS = [0, 0.6, 0.3];

export function randomLabels(n: number, seed: number): Map<number, Int8Array> {
  const rng = new Rng(seed);
  const out = new Map<number, Int8Array>();
  for (let i = 0; i < n; i++) {
    // A per-study degeneration level correlates the 25 labels (and makes any-severe non-trivial).
    const d = rng.normal(0, 0.7);
    const t = Int8Array.from({ length: 25 }, (_, j) => {
      if (rng.random() < 0.03) return -1;
      const z = d + 0.4 * Math.floor((j % 5) / 2) + rng.normal(0, 0.8) - 0.6;
      return z < 0.4 ? 0 : z < 1.3 ? 1 : 2;
    });
    out.set(100000 + 37 * i, t);
  }
  return out;
}

export function simulateLevel1(outDir: string, labels: ReadonlyMap<number, Int8Array>, models: readonly SimModel[], k = 4, seed = 1): void {
  const studies = [...labels.keys()].sort((a, b) => a - b);
  const rng = new Rng(seed);
  const series = studies.flatMap((s, i) => {
    const fold = i % k;
    const list: { study: number; series: number; type: 'T1' | 'T2'; fold: number }[] = [];
    if (rng.random() > 0.1) list.push({ study: s, series: s * 10 + 1, type: 'T1', fold });
    list.push({ study: s, series: s * 10 + 2, type: 'T2', fold });
    if (rng.random() < 0.1) list.push({ study: s, series: s * 10 + 3, type: 'T2', fold });
    return list;
  });
  for (const m of models) {
    const mr = rng.fork(m.name.length * 7919 + m.noise * 1000);
    const rows: Record<string, string | number>[] = [];
    const logits: number[] = [];
    for (const se of series) {
      if (m.target === 'scs' && se.type !== 'T2') continue;
      const t = labels.get(se.study)!;
      for (let l = 0; l < 5; l++) {
        rows.push({ study_id: se.study, series_id: se.series, series_description: se.type === 'T1' ? 'Sagittal T1' : 'Sagittal T2/STIR', level: LEVELS[l], fold: se.fold });
        for (const c of m.target === 'all' ? [0, 1, 2, 3, 4] : [0]) {
          const label = t[c * 5 + l] < 0 ? 0 : t[c * 5 + l];
          const g = c === 0 ? 0 : c < 3 ? 1 : 2;
          const z = label + mr.normal(0, NOISE[se.type][g] * m.noise);
          for (let kk = 0; kk < 3; kk++) logits.push(-SCALE * (z - kk) ** 2 + BIAS[kk]);
        }
      }
    }
    const dir = join(outDir, 'models', m.name);
    const shape = m.target === 'all' ? [rows.length, 5, 3] : [rows.length, 3];
    writeNpy(join(dir, 'oof_logits.npy'), { data: Float32Array.from(logits), shape });
    writeCsv(join(dir, 'oof_rows.csv'), ['study_id', 'series_id', 'series_description', 'level', 'fold'], rows);
    writeJsonAtomic(join(dir, 'manifest.json'), { kind: 'logits', model: m.name, oof: 'oof_logits.npy', rows: 'oof_rows.csv', shape, nFrames: 5 });
  }
}
