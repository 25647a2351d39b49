import { defineCommand, numberOption, presetOption } from '../command.js';
import { PRESET_NAMES } from '../../core/presets.js';
import { inputDir } from '../../core/paths.js';
import { UsageError } from '../../core/errors.js';
import { checkWorkers } from '../../core/pool.js';
import { progress } from '../../notebook/progress.js';
import { generateDataset, synthPreset } from '../../synth/index.js';

export default defineCommand({
  name: 'synth',
  summary: 'Generate synthetic lumbar MRI studies in the competition layout, with known truth',
  usage: [
    'Usage: spinelab synth [--out DIR] [--size tiny|demo|bench|reference] [--studies N] [--test-studies M]',
    '                      [--seed S] [--workers N] [--overwrite] [--json]',
    '',
    '  --out DIR           where to write (default: input/, or $SPINELAB_INPUT)',
    `  --size NAME         ${PRESET_NAMES.join(' | ')} (default demo): image size, slices, default counts`,
    '  --studies N         training studies (default from --size: tiny 10, demo 80, bench 200)',
    '  --test-studies M    test studies (default from --size: tiny 3, demo 20, bench 50)',
    '  --seed S            random seed (default 42); the same seed gives the same dataset',
    '  --workers N         studies generated at once in worker threads (default: $SPINELAB_WORKERS or the',
    '                      number of cores); the files do not depend on it',
    '  --overwrite         replace a dataset made with other settings in DIR',
    '',
    'Writes train_images/, test_images/, train.csv, train_label_coordinates.csv,',
    '{train,test}_series_descriptions.csv, sample_submission.csv, and truth/ (true severities,',
    'disc centres, label-noise model, Bayes floor and class-prior baseline scores).',
    'Re-running with the same settings resumes: finished studies are kept.',
  ].join('\n'),
  options: {
    out: { type: 'string' },
    size: { type: 'string' },
    studies: { type: 'string' },
    'test-studies': { type: 'string' },
    seed: { type: 'string' },
    workers: { type: 'string' },
    overwrite: { type: 'boolean' },
  },
  async run({ values, json }) {
    const size = presetOption(values, 'size') ?? 'demo';
    const preset = synthPreset(size);
    const studies = numberOption(values, 'studies', preset.studies);
    const testStudies = numberOption(values, 'test-studies', preset.testStudies);
    const seed = numberOption(values, 'seed', 42);
    if (!Number.isInteger(studies) || studies < 1) throw new UsageError(`--studies must be an integer ≥ 1, got ${studies}`);
    if (!Number.isInteger(testStudies) || testStudies < 0) throw new UsageError(`--test-studies must be an integer ≥ 0, got ${testStudies}`);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be an integer ≥ 0, got ${seed}`);
    const workers = values.workers === undefined ? undefined : checkWorkers(numberOption(values, 'workers', 1), '--workers');
    const out = (values.out as string | undefined) ?? inputDir();
    const s = await generateDataset({
      out, size, studies, testStudies, seed, workers, overwrite: Boolean(values.overwrite),
      onProgress: progress('synth', { mode: json ? 'none' : undefined }),
    });
    const result = {
      out: s.out, size: s.size, seed: s.seed, train_studies: s.trainStudies, test_studies: s.testStudies,
      series: s.series, files: s.files, megabytes: Math.round(s.bytes / 1e5) / 10, resumed_studies: s.resumedStudies, seconds: s.seconds,
      train_floor: s.bounds.train.floor.score, train_prior: s.bounds.train.prior.score,
      test_floor: s.bounds.test?.floor.score ?? null, test_prior: s.bounds.test?.prior.score ?? null,
    };
    if (!json) {
      console.log(`wrote ${s.trainStudies} train + ${s.testStudies} test studies (${s.series} series, ${s.files} files, ${result.megabytes} MB) to ${s.out} in ${s.seconds.toFixed(1)} s`);
      if (s.resumedStudies) console.log(`  (${s.resumedStudies} studies kept from an earlier run)`);
      const fmt = (b: typeof s.bounds.train) =>
        `Bayes floor ${b.floor.score.toFixed(4)} (plain posterior ${b.posterior.score.toFixed(4)}, true classes ${b.floorGivenClass.score.toFixed(4)}), ` +
        `class-prior baseline ${b.prior.score.toFixed(4)} (best constant ${b.priorWeighted.score.toFixed(4)})`;
      console.log(`  train: ${fmt(s.bounds.train)}`);
      if (s.bounds.test) console.log(`  test:  ${fmt(s.bounds.test)}`);
    }
    return result;
  },
});
