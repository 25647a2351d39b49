import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { middleSliceU8 } from '../../lib/coords/image.js';
import { coordsPreset } from '../../lib/coords/presets.js';
import { trainCoords } from '../../lib/coords/train.js';
import { initBackend } from '../../lib/engine/backend.js';
import { BatchLoader } from '../../lib/train/loader.js';
import type { TrainEvent } from '../../lib/train/types.js';
import { toySamples } from './toy.js';

// The CI check of parallel training: a real conv net (the tiny coords model, WASM kernels, batch
// norm, augmentation) trained fold by fold in this thread, with two worker threads, and with its
// batches made ahead by a loader thread.
describe('coords model: two folds sequentially, on two workers, with prefetched batches', () => {
  const series = toySamples(16, 1, middleSliceU8);
  const folds = new Map(series.map((s) => [s.studyId, s.studyId % 2]));
  const config = coordsPreset('tiny');
  config.train.nFolds = 2;
  const seq = mkdtempSync(join(tmpdir(), 'coords-seq-'));
  const par = mkdtempSync(join(tmpdir(), 'coords-par-'));
  const pre = mkdtempSync(join(tmpdir(), 'coords-prefetch-'));
  const events: TrainEvent[] = [];
  let loaded = 0;

  beforeAll(async () => {
    await initBackend('wasm');
    await trainCoords({ series, folds, spider: null }, config, { outDir: seq, workers: 1, prefetch: false });
    await trainCoords({ series, folds, spider: null }, config, { outDir: par, workers: 2, prefetch: false, onEvent: (e) => events.push(e) });
    const next = vi.spyOn(BatchLoader.prototype, 'next');
    await trainCoords({ series, folds, spider: null }, config, { outDir: pre, workers: 1, prefetch: true });
    loaded = next.mock.calls.length;
    next.mockRestore();
  });

  const file = (root: string, ...p: string[]) => readFileSync(join(root, 'models', 'coords', ...p));

  it.each([['two workers', par], ['a batch loader thread', pre]])('with %s: bit-identical checkpoints and out-of-fold predictions', (_, dir) => {
    for (const f of ['fold_0', 'fold_1']) {
      expect(file(dir, f, 'weights.bin').equals(file(seq, f, 'weights.bin'))).toBe(true);
      expect(file(dir, f, 'val_values.npy').equals(file(seq, f, 'val_values.npy'))).toBe(true);
    }
    expect(file(dir, 'oof_values.npy').equals(file(seq, 'oof_values.npy'))).toBe(true);
    expect(file(dir, 'series_coords.csv').equals(file(seq, 'series_coords.csv'))).toBe(true);
  });

  it('with prefetch, every training batch came from the loader thread', () => {
    const steps = events.filter((e) => e.type === 'step').length; // the same folds, trained on two workers
    expect(loaded).toBe(steps);
  });

  it('both folds trained in workers and reported here', () => {
    expect(events.filter((e) => e.type === 'fold-end').map((e) => (e as { fold: number }).fold).sort()).toEqual([0, 1]);
    expect(events.filter((e) => e.type === 'step').length).toBeGreaterThan(0);
  });
});
