import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../lib/cli/main.js';
import { writeCsv } from '../../lib/core/csv.js';
import { SEVERITIES, TARGETS } from '../../lib/data/vocabulary.js';
import { initBackend } from '../../lib/engine/backend.js';
import { readLevel1Oof } from '../../lib/classify/level1-oof.js';
import { lvl2Preset, loadLvl2Models, predictLvl2, trainLvl2, type Lvl2Report } from '../../lib/lvl2/index.js';
import { readOof, type TrainEvent } from '../../lib/train/index.js';
import { randomLabels, simulateLevel1 } from './simulate.js';

const MODELS = [
  { name: 'crop', target: 'all' as const, noise: 1 },
  { name: 'crop_2', target: 'all' as const, noise: 1.2 },
  { name: 'scs_crop', target: 'scs' as const, noise: 0.9 },
];

describe('level-2 training on generated level-1 OOF logits', () => {
  const out = mkdtempSync(join(tmpdir(), 'spinelab-lvl2-'));
  const labels = randomLabels(160, 11);
  const preset = lvl2Preset('tiny');
  let report: Lvl2Report;
  beforeAll(async () => {
    await initBackend();
    simulateLevel1(out, labels, MODELS);
    report = await trainLvl2({ outDir: out, labels, preset });
  });

  it('beats the level-1 probabilities on every group, with the any-severe term', () => {
    const { level1, level2 } = report.cv;
    expect(level2.score).toBeLessThan(level1.score - 0.05);
    for (const k of ['spinal', 'foraminal', 'subarticular', 'any_severe_spinal'] as const) expect(level2[k]).toBeLessThan(level1[k]);
    expect(report.layout.dims).toEqual({ scs: 9, nfn: 6, ss: 6 });
    expect(report.nStudies).toBe(160);
    expect(JSON.parse(readFileSync(join(report.modelDir, 'report.json'), 'utf8')).cv.level2.score).toBe(level2.score);
  });

  it('trains on the same folds as level 1', () => {
    const l1 = readLevel1Oof(out, 'crop');
    const fold = new Map(l1.rows.map((r, i) => [r.studyId, l1.folds[i]]));
    const oof = readOof(report.modelDir, 'logits');
    expect(oof.manifest.shape).toEqual([160, 25, 3]);
    expect(oof.rows.every((r) => fold.get(Number(r.study_id)) === Number(r.fold))).toBe(true);
  });

  it('the saved fold models reproduce their OOF predictions from the level-1 logits', async () => {
    const oof = readOof(report.modelDir, 'logits');
    const fold1 = oof.rows.map((r, i) => [Number(r.study_id), i] as const).filter((_, i) => oof.rows[i].fold === '1');
    const sets = MODELS.map((m) => readLevel1Oof(out, m.name));
    const models = await loadLvl2Models(report.modelDir, [1]);
    const probs = predictLvl2(models, sets, fold1.map(([s]) => s));
    models.models.forEach((m) => m.dispose());
    const expected = tf.tidy(() => tf.softmax(tf.tensor3d(oof.data, [160, 25, 3])).dataSync());
    fold1.forEach(([, i], j) => {
      for (let k = 0; k < 75; k++) expect(probs[j * 75 + k]).toBeCloseTo(expected[i * 75 + k], 5);
    });
  });

  it('a rerun skips every finished fold', async () => {
    const events: TrainEvent[] = [];
    const again = await trainLvl2({ outDir: out, labels, preset, onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'fold-start')).toHaveLength(0);
    expect(events.filter((e) => e.type === 'fold-skipped')).toHaveLength(4);
    expect(again.cv).toEqual(report.cv);
  });

  it('changed level-1 logits are noticed instead of silently reusing folds', async () => {
    const out2 = mkdtempSync(join(tmpdir(), 'spinelab-lvl2b-'));
    simulateLevel1(out2, labels, MODELS);
    const small = { ...preset, train: { ...preset.train, epochs: 1, folds: [0] } };
    await trainLvl2({ outDir: out2, labels, preset: small }).catch(() => undefined); // no CV with one fold: expected to throw after training
    simulateLevel1(out2, labels, MODELS, 4, 99); // other noise draw
    await expect(trainLvl2({ outDir: out2, labels, preset: small })).rejects.toThrow(/another configuration or data/);
  });

  it('level-1 models on different folds are refused', () => {
    const out3 = mkdtempSync(join(tmpdir(), 'spinelab-lvl2c-'));
    simulateLevel1(out3, labels, [MODELS[0]], 4);
    simulateLevel1(out3, labels, [MODELS[2]], 5);
    return expect(trainLvl2({ outDir: out3, labels, preset })).rejects.toThrow(/must share folds/);
  });

  it('`spinelab train lvl2` reads {input}/train.csv and the level-1 models of {output}', async () => {
    const input = mkdtempSync(join(tmpdir(), 'spinelab-lvl2-input-'));
    writeCsv(join(input, 'train.csv'), ['study_id', ...TARGETS], [...labels].map(([s, t]) => ({ study_id: s, ...Object.fromEntries(TARGETS.map((n, j) => [n, t[j] < 0 ? '' : SEVERITIES[t[j]]])) })));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const code = await main(['train', 'lvl2', '--preset', 'tiny', '--input', input, '--output', out, '--json']);
    const last = JSON.parse(String(log.mock.calls.at(-1)?.[0]));
    const bad = await main(['train', 'nonsense']);
    log.mockRestore();
    err.mockRestore();
    expect(code).toBe(0);
    expect(last.cv.level2.score).toBe(report.cv.level2.score); // resumed from the folds trained above
    expect(bad).toBe(2);
    expect(existsSync(join(out, 'models', 'lvl2', 'fold_3', 'model.json'))).toBe(true);
    writeFileSync(join(input, 'train.csv'), 'study_id,foo\n1,2\n');
    expect(await main(['train', 'lvl2', '--preset', 'tiny', '--input', input, '--output', out])).toBe(1);
  });
});
