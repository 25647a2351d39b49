import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readFolds, readTrainLabels } from '../../../data/index.js';
import { gapClosed } from '../../../metrics/index.js';
import { lvl2Preset, trainLvl2 } from '../../../lvl2/index.js';
import { formatProfile } from '../../../train/index.js';
import type { Trainer } from './trainer.js';

/** `spinelab train lvl2`: labels from {input}/train.csv, level-1 OOF logits from {output}/models/. */
const trainer: Trainer = {
  async run({ preset: presetName, input, output, retrain, json, onEvent, onProgress, workers, profile, prefetch, epochs }) {
    const preset = lvl2Preset(presetName);
    if (epochs !== undefined) preset.train.epochs = epochs;
    const labels = readTrainLabels(join(input, 'train.csv'));
    // Studies without any level-1 row take their fold from the shared folds file when there is one.
    const foldsFile = join(output, 'folds.csv');
    const folds = existsSync(foldsFile) ? readFolds(foldsFile, [], preset.train.nFolds) : undefined;
    const report = await trainLvl2({ outDir: output, inputDir: input, labels, preset, folds, onEvent, onProgress, onConfigChange: retrain ? 'retrain' : 'error', workers, profile, prefetch });
    if (report.profile) console.error(formatProfile('lvl2', report.profile));
    if (!json) {
      const f = (v: number) => v.toFixed(4);
      console.log(`level 2 (${report.nStudies} studies, level-1 models ${report.level1Models.join(', ')}, head inputs SCS ${report.layout.dims.scs} / NFN ${report.layout.dims.nfn} / SS ${report.layout.dims.ss})`);
      console.log('               score   spinal  foramin  subart   any');
      for (const [k, s] of Object.entries(report.cv)) console.log(`  ${k.padEnd(10)} ${f(s.score)}  ${f(s.spinal)}  ${f(s.foraminal)}  ${f(s.subarticular)}  ${f(s.any_severe_spinal)}`);
      const { prior, floor } = report.cv;
      if (prior && floor) {
        const pc = (v: number) => `${(100 * v).toFixed(1)} %`;
        console.log(`  share of the prior → floor gap closed: level 1 ${pc(gapClosed(report.cv.level1.score, prior.score, floor.score))}, level 2 ${pc(gapClosed(report.cv.level2.score, prior.score, floor.score))}`);
      }
      if (report.nLeftOut) console.log(`  (${report.nLeftOut} labelled studies without level-1 logits or fold left out)`);
      console.log(`artefacts: ${report.modelDir}`);
    }
    return { model: 'lvl2', preset: report.preset, studies: report.nStudies, cv: report.cv, dims: report.layout.dims, modelDir: report.modelDir };
  },
};
export default trainer;
