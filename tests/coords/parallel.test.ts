import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { middleSliceU8 } from '../../lib/coords/image.js';
import { coordsPreset } from '../../lib/coords/presets.js';
import { trainCoords } from '../../lib/coords/train.js';
import { initBackend } from '../../lib/engine/backend.js';
import type { TrainEvent } from '../../lib/train/types.js';
import { toySamples } from './toy.js';

// The CI check of parallel training: a real conv net (the tiny coords model, WASM kernels, batch
// norm, augmentation) trained fold by fold in this thread and with two worker threads.
describe('coords model: two folds sequentially and on two workers', () => {
  const series = toySamples(16, 1, middleSliceU8);
  const folds = new Map(series.map((s) => [s.studyId, s.studyId % 2]));
  const config = coordsPreset('tiny');
  config.train.nFolds = 2;
  const seq = mkdtempSync(join(tmpdir(), 'coords-seq-'));
  const par = mkdtempSync(join(tmpdir(), 'coords-par-'));
  const events: TrainEvent[] = [];

  beforeAll(async () => {
    await initBackend('wasm');
    await trainCoords({ series, folds, spider: null }, config, { outDir: seq, workers: 1 });
    await trainCoords({ series, folds, spider: null }, config, { outDir: par, workers: 2, onEvent: (e) => events.push(e) });
  });

  const file = (root: string, ...p: string[]) => readFileSync(join(root, 'models', 'coords', ...p));

  it('saves bit-identical checkpoints and out-of-fold predictions', () => {
    for (const f of ['fold_0', 'fold_1']) {
      expect(file(par, f, 'weights.bin').equals(file(seq, f, 'weights.bin'))).toBe(true);
      expect(file(par, f, 'val_values.npy').equals(file(seq, f, 'val_values.npy'))).toBe(true);
    }
    expect(file(par, 'oof_values.npy').equals(file(seq, 'oof_values.npy'))).toBe(true);
    expect(file(par, 'series_coords.csv').equals(file(seq, 'series_coords.csv'))).toBe(true);
  });

  it('both folds trained in workers and reported here', () => {
    expect(events.filter((e) => e.type === 'fold-end').map((e) => (e as { fold: number }).fold).sort()).toEqual([0, 1]);
    expect(events.filter((e) => e.type === 'step').length).toBeGreaterThan(0);
  });
});
