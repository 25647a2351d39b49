import { resolve } from 'node:path';
import { defineCommand, numberOption, presetOption } from '../command.js';
import { UsageError } from '../../core/errors.js';
import { inputDir } from '../../core/paths.js';
import { notebookProgress } from '../../notebook/index.js';
import { SAGITTAL_DESCRIPTIONS, type SeriesDescription } from '../../data/vocabulary.js';
import { defaultPreparedDir, preparePreset, prepareSplit, type Split } from '../../prepare/index.js';

export default defineCommand({
  name: 'prepare',
  summary: 'Convert the DICOM series of a split to stacks (.npy) + frames/geometry/errors tables',
  usage: [
    'Usage: spinelab prepare --split train|test [--input DIR] [--out DIR] [--workers N] [--max-studies N]',
    '                        [--descriptions LIST] [--preset NAME] [--json]',
    '',
    'Reads {input}/{split}_images/{study}/{series}/*.dcm (Kaggle layout; default input: $SPINELAB_INPUT or input/)',
    'and writes {out}/stacks/{study}_{series}.npy (slices × rows × cols, stored dtype, spatial order),',
    'frames.csv, geometry.csv, errors.csv and, for train, label_coordinates.csv with the stack index z.',
    'Default out: output/prepared/{split}. Finished series are skipped on a rerun; a corrupt series is',
    'recorded in errors.csv and the run goes on (exit code 0; see "failed" in the summary).',
    '',
    'Options:',
    '  --workers N       worker threads (default: min(2, cores))',
    '  --max-studies N   only the first N studies of the descriptions CSV',
    '  --descriptions L  series types to convert, comma-separated (default all: Sagittal T1,Sagittal T2/STIR,Axial T2);',
    '                    "sagittal" = the two sagittal types, all the models read (Axial T2 is about half the data)',
    '  --preset NAME     tiny | demo | bench | reference (workers / max studies)',
  ].join('\n'),
  options: {
    input: { type: 'string' },
    split: { type: 'string' },
    out: { type: 'string' },
    workers: { type: 'string' },
    'max-studies': { type: 'string' },
    descriptions: { type: 'string' },
    preset: { type: 'string' },
  },
  async run({ values, json }) {
    const split = values.split as Split | undefined;
    if (split !== 'train' && split !== 'test') throw new UsageError('--split train|test is required');
    const presetName = presetOption(values, 'preset');
    const preset = presetName ? preparePreset(presetName) : {};
    const maxStudies = values['max-studies'] === undefined ? preset.maxStudies : numberOption(values, 'max-studies', 0);
    const summary = await prepareSplit({
      input: values.input ? resolve(String(values.input)) : inputDir(),
      split,
      out: values.out ? resolve(String(values.out)) : defaultPreparedDir(split),
      workers: values.workers === undefined ? preset.workers : numberOption(values, 'workers', 2),
      maxStudies,
      descriptions: parseDescriptions(values.descriptions),
      onProgress: notebookProgress(`prepare ${split}`),
    });
    if (!json) {
      console.log(`prepared ${summary.split}: ${summary.done} done, ${summary.skipped} skipped, ${summary.failed} failed of ${summary.total} series in ${summary.seconds.toFixed(1)}s → ${summary.outDir}`);
      for (const e of summary.errors.slice(0, 10)) console.log(`  failed ${e.studyId}/${e.seriesId} (${e.description}): ${e.error}`);
      if (summary.errors.length > 10) console.log(`  … ${summary.errors.length - 10} more in errors.csv`);
      if (summary.labels) console.log(`labels: ${summary.labels.mapped} mapped to stack slices, ${summary.labels.unmapped} unmapped (see label_coordinates.csv)`);
      if (summary.excluded) console.log(`${summary.excluded} series of other types left out (--descriptions)`);
      if (summary.unlisted) console.log(`note: ${summary.unlisted} series folders are not listed in ${split}_series_descriptions.csv and were not converted`);
    }
    return summary;
  },
});

/** `--descriptions`: a comma-separated list, or "sagittal" for the two sagittal types. */
function parseDescriptions(value: unknown): readonly SeriesDescription[] | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (text.toLowerCase() === 'sagittal') return SAGITTAL_DESCRIPTIONS;
  return text.split(',').map((d) => d.trim()).filter(Boolean) as SeriesDescription[]; // prepareSplit checks the names
}
