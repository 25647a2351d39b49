import { join } from 'node:path';
import { coordsPreset, runCoordsStage, type ErrorSummary } from '../../../coords/index.js';
import { formatProfile } from '../../../train/index.js';
import type { Trainer } from './trainer.js';

/**
 * `spinelab train coords`: the coordinates model on the middle slices of every prepared sagittal
 * training series (`{output}/prepared/train`), folds from `{output}/folds.csv`, SPIDER slices in
 * every training fold when ../shared is there; artefacts in `{output}/models/coords/`
 * (checkpoints per fold, oof_values.npy + oof_rows.csv, series_coords.csv, report.json).
 */
const trainer: Trainer = {
  async run({ preset, input, output, retrain, json, onEvent, onProgress, workers, profile, prefetch, epochs }) {
    const config = coordsPreset(preset);
    if (epochs !== undefined) config.train.epochs = epochs;
    const r = await runCoordsStage({ input, out: output }, config, { onEvent, onProgress, onConfigChange: retrain ? 'retrain' : 'error', workers, profile, prefetch });
    if (r.train.profile) console.error(formatProfile('coords', r.train.profile));
    const rep = r.report;
    if (!json) {
      const f = (e: ErrorSummary | null) => (e && e.nSeries ? `${e.meanError.toFixed(2)} % (${e.nSeries} series; > 3/4/5 %: ${[e.over3, e.over4, e.over5].map((v) => (100 * v).toFixed(1)).join(' / ')} %)` : '-');
      for (const n of r.notes) console.log(n);
      console.log(`coords (preset ${rep.preset}, ${rep.seconds.toFixed(1)} s): ${rep.nSeries} sagittal series, ${rep.nLabelled} labelled`);
      console.log(`  OOF error, all       ${f(rep.oof.all)}`);
      console.log(`  OOF error, T1        ${f(rep.oof['Sagittal T1'])}`);
      console.log(`  OOF error, T2/STIR   ${f(rep.oof['Sagittal T2/STIR'])}`);
      console.log(`  SPIDER held out      ${f(rep.spiderHeldOut)}`);
      console.log(`artefacts: ${join(output, 'models', 'coords')}`);
    }
    return { model: 'coords', ...rep, modelDir: join(output, 'models', 'coords'), notes: r.notes };
  },
};
export default trainer;
