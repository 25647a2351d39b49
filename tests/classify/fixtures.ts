/**
 * A small synthetic crop set in the COORDS layout (`{root}/crops/{set}/…npy` + crops.csv) with a
 * train.csv, for the classify tests. Each crop is slices × h × w int16; severities are drawn per
 * study and written into the crop where the model should look for them: SCS as a dark band across
 * the middle slices, left conditions in high slice indices (patient's left), right ones in low.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../lib/core/npy.js';
import { Rng } from '../../lib/core/rng.js';
import { LEVELS, LEVEL_SLUGS, SEVERITIES, TARGETS, targetIndex } from '../../lib/data/vocabulary.js';

export interface Fixture {
  root: string;
  studies: number[];
  labels: Map<number, Int8Array>;
  series: { studyId: number; seriesId: number; description: 'Sagittal T1' | 'Sagittal T2/STIR' }[];
}

export function makeCropFixture(root: string, nStudies: number, seed = 1): Fixture {
  const rng = new Rng(seed);
  const labels = new Map<number, Int8Array>();
  const series: Fixture['series'] = [];
  const rows: string[] = [];
  for (let s = 0; s < nStudies; s++) {
    const studyId = 1000 + s;
    const l = Int8Array.from({ length: 25 }, () => (rng.random() < 0.6 ? 0 : rng.random() < 0.6 ? 1 : 2));
    if (s % 5 === 3) l[targetIndex(3, 1)] = -1; // a missing label
    labels.set(studyId, l);
    for (const [k, description] of (['Sagittal T1', 'Sagittal T2/STIR'] as const).entries()) {
      const seriesId = 50000 + 10 * s + k;
      series.push({ studyId, seriesId, description });
      const L = rng.int(8, 14), h = rng.int(18, 24), w = rng.int(18, 24);
      for (let level = 0; level < 5; level++) {
        const data = new Int16Array(L * h * w);
        for (let i = 0; i < data.length; i++) data[i] = 200 + Math.round(rng.normal(0, 20));
        const sev = (c: number) => l[targetIndex(c, level)];
        const paint = (z: number, y0: number, y1: number, value: number) => {
          for (let y = y0; y < y1; y++) for (let x = 3; x < w - 3; x++) data[z * h * w + y * w + x] += value;
        };
        const mid = Math.floor(L / 2);
        for (let z = mid - 1; z <= mid + 1; z++) paint(z, 8, 12, -60 * Math.max(0, sev(0))); // SCS
        for (let z = L - 3; z < L; z++) paint(z, 3, 7, 80 * Math.max(0, sev(1))); // L-NFN
        for (let z = 0; z < 3; z++) paint(z, 3, 7, 80 * Math.max(0, sev(2))); // R-NFN
        paint(Math.min(L - 1, mid + 2), 14, 17, 70 * Math.max(0, sev(3))); // L-SS
        paint(Math.max(0, mid - 2), 14, 17, 70 * Math.max(0, sev(4))); // R-SS
        for (const set of ['predicted', 'fixed']) {
          writeNpy(join(root, 'crops', set, `${studyId}_${seriesId}_${LEVEL_SLUGS[level]}.npy`), { data, shape: [L, h, w] });
        }
        rows.push(`${studyId},${seriesId},${description},${LEVELS[level]},0,0,${w},${h},0`);
      }
    }
  }
  for (const set of ['predicted', 'fixed']) {
    mkdirSync(join(root, 'crops', set), { recursive: true });
    writeFileSync(join(root, 'crops', set, 'crops.csv'), ['study_id,series_id,series_description,level,x0,y0,x1,y1,fallback', ...rows].join('\n') + '\n');
  }
  const csv = ['study_id,' + TARGETS.join(','), ...[...labels].map(([id, l]) => `${id},${Array.from(l, (v) => (v < 0 ? '' : SEVERITIES[v])).join(',')}`)];
  writeFileSync(join(root, 'train.csv'), csv.join('\n') + '\n');
  return { root, studies: [...labels.keys()], labels, series };
}
