import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../lib/engine/backend.js';
import { setDisplayWriter, type DisplayMessage } from '../../lib/notebook/kernel.js';
import { PLOTLY_MIME } from '../../lib/notebook/display.js';
import { liveTraining } from '../../lib/notebook/training.js';
import { trainModels, type TrainConfig } from '../../lib/train/index.js';
import type { Figure } from '../../lib/viz/types.js';
import { toyRef, toyTask } from '../train/toy.js';

const config: TrainConfig = {
  epochs: 3, batchSize: 8, nFolds: 3, evalEvery: 5, gradClip: 1, optimizer: { name: 'adamw', lr: 0.03 }, schedule: { kind: 'linear' },
};
const jobs = () => ['a', 'b'].map((name) => ({ task: toyTask({ name }), config, ref: toyRef({ name }) }));
const models = ['a', 'b'].map((name) => ({ name, title: `model ${name}`, metricKey: 'val_acc' }));

describe('liveTraining: the training cell of a notebook', () => {
  const out = mkdtempSync(join(tmpdir(), 'spinelab-live-'));
  const msgs: { msg: DisplayMessage; update: boolean }[] = [];
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(() => setDisplayWriter(undefined));
  const figures = () => msgs.filter((m) => m.msg.data[PLOTLY_MIME]).map((m) => ({ id: m.msg.transient.display_id, update: m.update, fig: m.msg.data[PLOTLY_MIME] as Figure }));
  const title = (f: Figure) => (f.layout.title as { text: string }).text;

  it('one figure per model in model order, fed by folds training at once in two workers, and one progress bar', async () => {
    setDisplayWriter((msg, update) => msgs.push({ msg, update }));
    const live = liveTraining(models, { outDir: out, progress: 'train toys', intervalMs: 0 });
    expect(figures().map((f) => [title(f.fig), f.update])).toEqual([['model a', false], ['model b', false]]);
    await trainModels(jobs(), { outDir: out, workers: 2, onEvent: live.onEvent, onProgress: live.onProgress });
    live.flush();
    for (const name of ['a', 'b']) {
      const points = live.curves.get(name)!.points;
      expect(new Set(points.map((p) => p.fold))).toEqual(new Set([0, 1, 2]));
      expect(points.every((p) => typeof p.val_acc === 'number' && typeof p.train_loss === 'number')).toBe(true);
    }
    // every later drawing updates one of the two displays in place
    const ids = new Set(figures().slice(0, 2).map((f) => f.id));
    expect(figures().slice(2).every((f) => f.update && ids.has(f.id))).toBe(true);
    const last = figures().filter((f) => f.id === figures()[0].id).at(-1)!.fig;
    expect(last.data.length).toBeGreaterThanOrEqual(3); // folds as traces
    const bars = msgs.filter((m) => String(m.msg.data['text/plain'] ?? '').startsWith('train toys'));
    expect(new Set(bars.map((m) => m.msg.transient.display_id)).size).toBe(1);
    expect(String(bars.at(-1)!.msg.data['text/plain'])).toMatch(/^train toys: a \+ b \(6 folds, 2 workers\) 90\/90 \(100%\)/);
  });

  it('a rerun with every fold resumed draws the curves saved with the models', async () => {
    msgs.length = 0;
    setDisplayWriter((msg, update) => msgs.push({ msg, update }));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const live = liveTraining(models, { outDir: out, progress: 'train toys' });
    await trainModels(jobs(), { outDir: out, workers: 2, onEvent: live.onEvent, onProgress: live.onProgress });
    live.flush();
    expect(log).toHaveBeenCalledWith('b fold 2: already trained, skipped');
    log.mockRestore();
    const saved = figures().filter((f) => f.update).map((f) => f.fig);
    expect(saved.map(title)).toEqual(['model a (saved with the models)', 'model b (saved with the models)']);
    expect(saved[0].data.length).toBeGreaterThanOrEqual(3);
  });
});
