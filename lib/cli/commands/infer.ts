import { join, resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { inputDir, outputDir } from '../../core/paths.js';
import { checkpointChoice, runInference } from '../../infer/index.js';
import { PRESET_NAMES } from '../../core/presets.js';
import { notebookProgress } from '../../notebook/index.js';

export default defineCommand({
  name: 'infer',
  summary: 'Inference: test DICOMs → submission.csv (Kaggle format), optionally scored (EVAL)',
  usage: [
    'Usage: spinelab infer [--input DIR] [--out FILE] [--models DIR] [--eval LABELS] [--preset NAME]',
    '                      [--checkpoints auto|folds|fullfit] [--split test|train] [--work DIR] [--json]',
    '',
    '  --input DIR        holds {split}_images/ and {split}_series_descriptions.csv (default input/)',
    '  --out FILE         submission to write (default output/submission.csv)',
    '  --models DIR       artefact root with models/ (coords, crop models, lvl2), default output/',
    '  --eval LABELS      score the submission: train.csv-format labels or a solution CSV',
    '                     (synthetic data: {input}/truth/test.csv)',
    `  --preset NAME      ${PRESET_NAMES.join(' | ')} (default demo): workers, checkpoints, batch`,
    '  --checkpoints C    auto (full fit where trained, else the fold mean) | folds | fullfit',
    '  --split S          test (default) or train (EVAL on the training images)',
    '  --work DIR         scratch/report folder (default {dir of --out}/inference): prepared stacks,',
    '                     crops, series_coords.csv, level1/, fallbacks.csv, result.json',
    '',
    'A study whose sagittal series cannot be read, or for which a stage fails, gets the class priors',
    'saved with the models; the run still writes every study and lists the fallbacks. The submission',
    'is validated against the descriptions file (and sample_submission.csv for test) before exit.',
    '',
    'Example: spinelab infer --input input --out output/submission.csv --eval input/truth/test.csv',
  ].join('\n'),
  options: {
    input: { type: 'string' },
    out: { type: 'string' },
    models: { type: 'string' },
    eval: { type: 'string' },
    preset: { type: 'string' },
    checkpoints: { type: 'string' },
    split: { type: 'string' },
    work: { type: 'string' },
  },
  async run({ values, json }) {
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const checkpoints = checkpointChoice(str('checkpoints'));
    // runInference checks the split and the preset before any work.
    const split = (str('split') ?? 'test') as 'test' | 'train';
    const preset = str('preset') ?? 'demo';
    const r = await runInference({
      input: resolve(str('input') ?? inputDir()),
      out: resolve(str('out') ?? join(outputDir(), 'submission.csv')),
      models: resolve(str('models') ?? outputDir()),
      eval: str('eval') && resolve(str('eval')!),
      preset,
      checkpoints,
      split,
      workDir: str('work') && resolve(str('work')!),
      onProgress: notebookProgress('infer'),
      onLog: (line) => console.error(line),
    });
    if (!json) {
      console.log(`submission: ${r.submission} (${r.studies} studies, ${r.rows} rows) in ${r.seconds.total.toFixed(1)} s`);
      console.log(`  predicted ${r.predicted}, fell back to the class priors ${r.fallbacks.length} (priors: ${r.priors.source})`);
      for (const f of r.fallbacks.slice(0, 10)) console.log(`  fallback ${f.studyId} [${f.stage}]: ${f.reason}`);
      if (r.fallbacks.length > 10) console.log(`  … ${r.fallbacks.length - 10} more in ${join(r.workDir, 'fallbacks.csv')}`);
      if (r.missingSeries.length) console.log(`  ${r.missingSeries.length} studies lack a sagittal series type (zero features for it)`);
      if (r.eval) {
        console.log(`eval (${r.eval.labels}): score ${r.eval.score.toFixed(4)} vs class priors ${r.eval.priorScore.toFixed(4)}`);
        for (const k of ['spinal', 'foraminal', 'subarticular', 'any_severe_spinal'] as const) console.log(`  ${k.padEnd(19)}${r.eval[k].toFixed(4)}`);
      }
    }
    return r;
  },
});
