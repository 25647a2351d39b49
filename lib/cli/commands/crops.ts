import { resolve } from 'node:path';
import { defineCommand, presetOption } from '../command.js';
import { outputDir } from '../../core/paths.js';
import { envPreset } from '../../core/presets.js';
import { cropsPreset, runCropsStage } from '../../crops/index.js';
import { notebookProgress } from '../../notebook/index.js';

export default defineCommand({
  name: 'crops',
  summary: 'Cut the 5 level crops of every sagittal training series (predicted + fixed sets)',
  usage: [
    'Usage: spinelab crops [--preset P] [--output DIR] [--prepared DIR] [--json]',
    '',
    'Reads the out-of-fold disc centres of `spinelab train coords` ({output}/models/coords/series_coords.csv)',
    'and the raw stacks ({output}/prepared/train), and writes, in one pass, two crop sets:',
    '  {output}/crops/predicted/  boxes around the predicted centres (validation and inference-like)',
    '  {output}/crops/fixed/      the same, with centres > 0.03 (L1) from the ground truth replaced by it',
    'each as {study}_{series}_{level}.npy (all slices × box, stored dtype) + crops.csv + manifest.json.',
    'A box that is empty or outside the image falls back to the whole slice (fallback = 1 in crops.csv).',
    '',
    'Options:',
    '  --preset P      tiny | demo | bench | reference (all: box ±0.1, fix threshold 0.03; default $SPINELAB_PRESET or demo)',
    '  --output DIR    artefact root (default: $SPINELAB_OUTPUT or output/)',
    '  --prepared DIR  prepared training split (default: {output}/prepared/train)',
  ].join('\n'),
  options: { preset: { type: 'string' }, output: { type: 'string' }, prepared: { type: 'string' } },
  async run({ values, json }) {
    const preset = presetOption(values, 'preset') ?? envPreset();
    const config = cropsPreset(preset);
    const out = values.output ? resolve(String(values.output)) : outputDir();
    const t0 = Date.now();
    const reports = runCropsStage({
      out, preparedDir: values.prepared ? resolve(String(values.prepared)) : undefined, config,
      onProgress: notebookProgress('crops'),
    });
    const seconds = (Date.now() - t0) / 1000;
    if (!json) {
      for (const r of reports) {
        console.log(`crops/${r.set}: ${r.nSeries} series, ${r.nCrops} crops, ${r.fallbacks.length} whole-slice fallbacks${r.nReplaced !== undefined ? `, ${r.nReplaced} levels replaced by the ground truth` : ''}`);
        for (const f of r.fallbacks.slice(0, 10)) console.log(`  fallback: study ${f.studyId} series ${f.seriesId} ${f.level}`);
        if (r.fallbacks.length > 10) console.log(`  … ${r.fallbacks.length - 10} more (fallback = 1 in crops.csv)`);
      }
      console.log(`done in ${seconds.toFixed(1)} s → ${resolve(out, 'crops')}`);
    }
    return { preset, seconds, sets: reports, cropsDir: resolve(out, 'crops') };
  },
});
