import { defineCommand, numberOption, presetOption } from '../command.js';
import { UsageError } from '../../core/errors.js';
import { progress } from '../../notebook/progress.js';
import { runMainJob } from '../../pipeline/index.js';
import { checkWorkers } from '../../core/pool.js';

export default defineCommand({
  name: 'run',
  summary: 'The main job: the whole pipeline (six notebooks, headless) on input/, synthetic studies if empty',
  usage: [
    'Usage: spinelab run [--preset tiny|demo|bench|reference] [--input DIR] [--output DIR]',
    '                    [--runner node|jupyter] [--force] [--seed S] [--workers N] [--json]',
    '',
    '  --preset NAME   tiny (CI, minutes) | demo (default, < 10 min on 2 cores) | bench | reference (GPU)',
    '  --input DIR     data folder (default input/); generated synthetic studies when it holds no data',
    '  --output DIR    artefact folder (default output/)',
    '  --runner KIND   node (default, no Python needed) or jupyter (nbclient)',
    '  --force         re-run every stage (otherwise unchanged stages are skipped)',
    '  --workers N     folds trained at once, each in a worker thread (default: $SPINELAB_WORKERS or the',
    '                  number of cores; passed to the notebooks as SPINELAB_WORKERS)',
    '',
    'Writes output/notebooks/*.ipynb (executed), output/report.html, output/submission.csv, the models',
    'and output/summary.json (also the last line with --json).',
  ].join('\n'),
  options: {
    preset: { type: 'string' },
    input: { type: 'string' },
    output: { type: 'string' },
    runner: { type: 'string' },
    force: { type: 'boolean' },
    seed: { type: 'string' },
    workers: { type: 'string' },
  },
  async run({ values, json }) {
    const preset = presetOption(values, 'preset') ?? 'demo';
    const runner = (values.runner as string | undefined) ?? 'node';
    if (runner !== 'node' && runner !== 'jupyter') throw new UsageError(`--runner must be node or jupyter, got "${runner}"`);
    const summary = await runMainJob({
      preset,
      input: values.input as string | undefined,
      output: values.output as string | undefined,
      runner,
      force: Boolean(values.force),
      seed: numberOption(values, 'seed', 42),
      workers: values.workers === undefined ? undefined : checkWorkers(numberOption(values, 'workers', 1), '--workers'),
      onLog: (l) => console.error(`[spinelab run] ${l}`),
      onProgress: progress('run', { mode: json ? 'none' : undefined }),
    });
    if (!json) {
      console.log(`\nStage times (s): ${summary.timings.map((t) => `${t.stage} ${t.skipped ? 'skipped' : t.seconds.toFixed(1)}`).join(', ')}; total ${summary.totalSeconds}`);
      const t = summary.test;
      if (t.score !== null) {
        const bounds = t.prior !== null && t.floor !== null
          ? ` (class-prior baseline ${t.prior.toFixed(4)}, Bayes floor ${t.floor.toFixed(4)}` +
            `${t.gapClosed !== null ? `: ${(100 * t.gapClosed).toFixed(1)} % of the gap closed` : ''})`
          : '';
        console.log(`Test score ${t.score.toFixed(4)}${bounds}`);
      }
      console.log(`Submission: ${summary.submission ?? 'not written'}\nReport: ${summary.report}\nSummary: ${summary.output}/summary.json`);
    }
    return summary;
  },
});
