import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../lib/core/progress.js';
import { initBackend } from '../../lib/engine/backend.js';
import { readOof, trainModels, type TrainConfig, type TrainEvent } from '../../lib/train/index.js';
import { toyRef, toyTask, type ToyArgs } from './toy.js';

const config: TrainConfig = {
  epochs: 4, batchSize: 8, evalBatchSize: 16, nFolds: 3, evalEvery: 5, gradClip: 1,
  optimizer: { name: 'adamw', lr: 0.03, weightDecay: 0.01 }, schedule: { kind: 'linear' },
};
const job = (args: ToyArgs = {}, c: TrainConfig = config) => ({ task: toyTask(args), config: c, ref: toyRef(args) });
const bytes = (dir: string, model: string, fold: number, file: string) => readFileSync(join(dir, 'models', model, `fold_${fold}`, file));

describe('parallel training in worker threads', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('gives the same weights and OOF predictions as the sequential loop, streaming every event', async () => {
    const seq = mkdtempSync(join(tmpdir(), 'spinelab-seq-'));
    const par = mkdtempSync(join(tmpdir(), 'spinelab-par-'));
    await trainModels([job()], { outDir: seq, workers: 1 });
    const events: Array<[string, TrainEvent]> = [];
    const progress: ProgressEvent[] = [];
    const [res] = await trainModels([job()], { outDir: par, workers: 2, onEvent: (e, m) => events.push([m, e]), onProgress: (p) => progress.push(p) });
    for (const f of [0, 1, 2]) {
      expect(bytes(par, 'toy', f, 'weights.bin').equals(bytes(seq, 'toy', f, 'weights.bin'))).toBe(true);
      expect(bytes(par, 'toy', f, 'val_logits.npy').equals(bytes(seq, 'toy', f, 'val_logits.npy'))).toBe(true);
    }
    expect(Array.from(readOof(join(par, 'models', 'toy')).data)).toEqual(Array.from(readOof(join(seq, 'models', 'toy')).data));
    expect(res.manifest?.shape).toEqual([60, 3]);
    // Every fold's events reached this thread, in order within the fold.
    expect(events.every(([m]) => m === 'toy')).toBe(true);
    for (const f of [0, 1, 2]) {
      const mine = events.map(([, e]) => e).filter((e) => ('fold' in e ? e.fold : e.point.fold) === f);
      expect(mine[0].type).toBe('fold-start');
      expect(mine.at(-1)!.type).toBe('fold-end');
      expect(mine.filter((e) => e.type === 'step').map((e) => (e as { step: number }).step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(mine.filter((e) => e.type === 'eval')).toHaveLength(4);
    }
    // One progress stream over the three folds, ending complete.
    expect(progress.at(-1)).toMatchObject({ done: 60, total: 60 });
    expect(progress.some((p) => p.detail?.includes(' · '))).toBe(true); // two folds running at once
    expect(readFileSync(join(par, 'models', 'toy', 'log.txt'), 'utf8').match(/toy fold_\d done in/g)).toHaveLength(3);
  });

  it('trains the folds of several models together and assembles each model\'s OOF files', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spinelab-par-'));
    const res = await trainModels([job({ name: 'a' }), job({ name: 'b', n: 45 })], { outDir: out, workers: 2 });
    expect(res.map((r) => r.manifest?.shape)).toEqual([[60, 3], [45, 3]]);
    expect(res[1].folds.map((f) => f.fold)).toEqual([0, 1, 2]);
  });

  it('a worker that dies is reported with its model and fold; the folds that finished are kept and resume', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spinelab-die-'));
    const dying = job({ die: { fold: 1, how: 'exit' } });
    await expect(trainModels([dying], { outDir: out, workers: 2, onFailure: 'continue' }))
      .rejects.toThrow(/1 fold\(s\) failed:\n {2}toy fold_1: the worker died \(exit code 3\)\n2 fold\(s\) finished and are saved/);
    const dir = join(out, 'models', 'toy');
    expect(existsSync(join(dir, 'fold_0', 'result.json')) && existsSync(join(dir, 'fold_2', 'result.json'))).toBe(true);
    expect(existsSync(join(dir, 'fold_1', 'result.json'))).toBe(false);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    // The rerun trains fold 1 only (in this thread: one fold left) and completes the model.
    const events: TrainEvent[] = [];
    const [res] = await trainModels([job()], { outDir: out, workers: 2, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'fold-skipped').map((e) => (e as { fold: number }).fold)).toEqual([0, 2]);
    expect(events.filter((e) => e.type === 'fold-start').map((e) => (e as { fold: number }).fold)).toEqual([1]);
    expect(res.manifest?.shape).toEqual([60, 3]);
  });

  it('an error thrown in a worker names the fold; by default no new fold starts after it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spinelab-throw-'));
    const started: number[] = [];
    // Fold 1 trains long enough (600 steps) for fold 0's failure to come in while it runs.
    await expect(trainModels([job({ die: { fold: 0, how: 'throw' } }, { ...config, epochs: 120 })], {
      outDir: out, workers: 2, onEvent: (e) => e.type === 'fold-start' && started.push(e.fold as number),
    })).rejects.toThrow(/toy fold_0: toy failure in fold 0\n1 fold\(s\) finished/);
    expect(started).toEqual([1]); // fold 1 was running and finished; fold 2 never started
    expect(existsSync(join(out, 'models', 'toy', 'fold_1', 'result.json'))).toBe(true);
  });

  it('an interrupt (SIGINT) stops every worker and rejects; the listener is gone afterwards', async () => {
    const out = mkdtempSync(join(tmpdir(), 'spinelab-int-'));
    const before = process.listeners('SIGINT');
    let steps = 0;
    let interrupted = false;
    const run = trainModels([job({}, { ...config, epochs: 40 })], {
      outDir: out, workers: 2,
      onEvent: (e) => {
        if (e.type !== 'step') return;
        steps += 1;
        if (interrupted) return;
        interrupted = true;
        // The pool's own listener (calling it directly: process.emit would reach vitest's too).
        const mine = process.listeners('SIGINT').filter((l) => !before.includes(l));
        expect(mine).toHaveLength(1);
        (mine[0] as () => void)();
      },
    });
    await expect(run).rejects.toThrow(/interrupted: the running folds were stopped/);
    const at = steps;
    await new Promise((r) => setTimeout(r, 1500));
    expect(steps).toBe(at); // no worker is still training
    expect(process.listeners('SIGINT')).toEqual(before);
  });
});
