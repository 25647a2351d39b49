import { join } from 'node:path';
import { classifyPreset, evaluateLevel1, trainClassifiers, type StudyLosses } from '../../../classify/index.js';
import { readTrainLabels } from '../../../data/index.js';
import { formatProfile } from '../../../train/index.js';
import type { Trainer } from './trainer.js';

/**
 * `spinelab train crops`: every crop classifier of the preset (reference: crop, crop_2,
 * scs_crop_coords, scs_crop_coords_2) on `{output}/crops/`, labels from `{input}/train.csv`,
 * folds from `{output}/folds.csv`; OOF logits in `{output}/models/<name>/`.
 */
const trainer: Trainer = {
  async run({ preset: presetName, input, output, retrain, json, onEvent, onProgress, workers, profile, prefetch, epochs }) {
    const preset = classifyPreset(presetName);
    if (epochs !== undefined) for (const m of preset.models) m.train.epochs = epochs;
    const labels = readTrainLabels(join(input, 'train.csv'));
    const t0 = Date.now();
    const runs = await trainClassifiers(preset, { inputDir: input, outDir: output, labels, onEvent, onProgress, onConfigChange: retrain ? 'retrain' : 'error', workers, profile, prefetch });
    const seconds = (Date.now() - t0) / 1000;
    for (const r of runs) if (r.result.profile) console.error(formatProfile(r.name, r.result.profile));
    const ev = evaluateLevel1(output, runs.map((r) => r.name), labels, { inputDir: input });
    const f = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '   -  ');
    if (!json) {
      console.log(`crop classifiers (preset ${preset.name}, ${seconds.toFixed(1)} s)`);
      for (const m of ev.models) console.log(`  ${m.name.padEnd(18)} ${String(m.rows).padStart(6)} rows  OOF auc ${f(m.auc)}  weighted loss ${f(m.loss)}`);
      const rows: Array<[string, StudyLosses]> = [['level 1', ev], ...(ev.bounds ? [['prior', ev.bounds.prior], ['floor', ev.bounds.floor]] as Array<[string, StudyLosses]> : [])];
      console.log(`study level (${ev.studyIds.length} studies, OOF): score  spinal foramin subart  any    | ${Object.keys(ev.conditionLoss).join('  ')}`);
      for (const [k, r] of rows) {
        const g = r.score;
        console.log(`  ${k.padEnd(8)} ${[g.score, g.spinal, g.foraminal, g.subarticular, g.any_severe_spinal].map(f).join(' ')} | ${Object.values(r.conditionLoss).map(f).join(' ')}`);
      }
      if (ev.bounds) {
        const g = ev.bounds.gapClosedBy;
        const pc = (v: number) => `${(100 * v).toFixed(1)} %`;
        console.log(`  share of the prior → floor gap closed: ${pc(g.score)} (${['spinal', 'foraminal', 'subarticular', 'any_severe_spinal', ...Object.keys(ev.conditionLoss)].map((k) => `${k} ${pc(g[k])}`).join(', ')})`);
      }
      console.log(`artefacts: ${join(output, 'models')}/{${runs.map((r) => r.name).join(',')}}`);
    }
    return {
      model: 'crops', preset: preset.name, seconds,
      models: ev.models.map((m) => ({ name: m.name, rows: m.rows, auc: m.auc, loss: m.loss, modelDir: join(output, 'models', m.name) })),
      studies: ev.studyIds.length, score: ev.score, conditionLoss: ev.conditionLoss,
      ...(ev.bounds ? { prior: ev.bounds.prior, floor: ev.bounds.floor, gapClosed: ev.bounds.gapClosed, gapClosedBy: ev.bounds.gapClosedBy } : {}),
    };
  },
};
export default trainer;
