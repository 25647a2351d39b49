import { defineCommand, numberOption, presetOption } from '../command.js';
import { UsageError } from '../../core/errors.js';
import { inputDir, outputDir } from '../../core/paths.js';
import { envPreset } from '../../core/presets.js';
import { initBackend, type BackendName } from '../../engine/backend.js';
import { progress } from '../../notebook/progress.js';
import { checkWorkers } from '../../core/pool.js';
import type { TrainEvent } from '../../train/types.js';
import type { Trainer } from './train/trainer.js';

/**
 * `spinelab train <model>`: one subcommand per trainable model, all through the shared loop.
 * Registration points: each stage adds ONE line here, pointing at lib/cli/commands/train/<model>.ts
 * (a default-exported {@link Trainer}).
 */
const TRAINERS: Record<string, { summary: string; load: () => Promise<Trainer> }> = {
  coords: { summary: 'coordinates model: 5 disc centres on the middle slice of each sagittal series', load: async () => (await import('./train/coords.js')).default },
  crops: { summary: 'crop classifiers (all-target and SCS models) on the level crops', load: async () => (await import('./train/crops.js')).default },
  lvl2: { summary: 'level-2 MLP on the level-1 OOF logits', load: async () => (await import('./train/lvl2.js')).default },
};

const usage = () => [
  'Usage: spinelab train <model> [--preset P] [--input DIR] [--output DIR] [--retrain] [--backend B]',
  '                              [--workers N] [--prefetch | --no-prefetch] [--profile] [--epochs N] [--json]',
  '',
  'Models:',
  ...Object.entries(TRAINERS).map(([k, v]) => `  ${k.padEnd(8)} ${v.summary}`),
  '',
  '  --preset P     tiny | demo | bench | reference (default: $SPINELAB_PRESET or demo)',
  '  --input DIR    competition-layout input (default: $SPINELAB_INPUT or input/)',
  '  --output DIR   artefacts (default: $SPINELAB_OUTPUT or output/); models in DIR/models/<name>/',
  '  --retrain      retrain finished folds made with another configuration (default: refuse)',
  '  --backend B    tensorflow | wasm | cpu (default: automatic, $SPINELAB_BACKEND)',
  '  --workers N    folds trained at once, each in a worker thread (default: $SPINELAB_WORKERS or the',
  '                 number of cores; lvl2: 1); 1 = one after the other in this process',
  '  --prefetch     make each trainer\'s batches ahead in a loader thread (default: only when there are',
  '                 at least twice as many cores as trainers); --no-prefetch: never',
  '  --profile      time each training step: data (batches, augmentation) vs tfjs JS vs kernels, per model',
  '  --epochs N     train every model of the preset for N epochs instead of its own (e.g. 1 to time one)',
  '',
  'Finished folds with the same configuration are skipped, so an interrupted run resumes.',
].join('\n');

/** One stderr line per evaluation and per fold (the CLI's learning curve); folds of several models interleave. */
function describe(e: TrainEvent, model: string): string | null {
  const f = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(4));
  const fold = (k: number | 'fullfit') => `${model} ${k === 'fullfit' ? 'full fit' : `fold ${k}`}`;
  if (e.type === 'eval') {
    const p = e.point;
    return `  ${fold(p.fold)} step ${p.step} epoch ${p.epoch.toFixed(2)} lr ${p.lr.toExponential(2)} train ${f(p.trainLoss)} val ${f(p.valLoss)}${p.metric !== undefined ? ` metric ${f(p.metric)}` : ''}`;
  }
  if (e.type === 'fold-start') return `${fold(e.fold)}: ${e.nTrain} train / ${e.nVal} val, ${e.steps} steps, ${e.params} parameters`;
  if (e.type === 'fold-end') return `${fold(e.fold)}: done in ${e.result.seconds.toFixed(1)} s`;
  if (e.type === 'fold-skipped') return `${fold(e.fold)}: skipped (${e.reason})`;
  return null;
}

function positiveEpochs(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--epochs must be a positive integer, got ${n}`);
  return n;
}

export default defineCommand({
  name: 'train',
  summary: 'Train a model with k folds (train coords | crops | lvl2)',
  usage: usage(),
  positionals: true,
  options: {
    preset: { type: 'string' }, input: { type: 'string' }, output: { type: 'string' },
    retrain: { type: 'boolean' }, backend: { type: 'string' }, workers: { type: 'string' }, profile: { type: 'boolean' },
    prefetch: { type: 'boolean' }, 'no-prefetch': { type: 'boolean' }, epochs: { type: 'string' },
  },
  async run({ values, positionals, json }) {
    const [model, ...extra] = positionals;
    if (!model) throw new UsageError(`which model? (${Object.keys(TRAINERS).join(', ')})\n\n${usage()}`);
    if (extra.length) throw new UsageError(`unexpected argument(s): ${extra.join(' ')}`);
    const entry = TRAINERS[model];
    if (!entry) throw new UsageError(`unknown model "${model}" (expected ${Object.keys(TRAINERS).join(', ')})`);
    const workers = values.workers === undefined ? undefined : checkWorkers(numberOption(values, 'workers', 1), '--workers');
    if (values.prefetch && values['no-prefetch']) throw new UsageError('--prefetch and --no-prefetch exclude each other');
    const prefetch = values.prefetch ? true : values['no-prefetch'] ? false : undefined;
    const backend = await initBackend(values.backend as BackendName | undefined);
    const trainer = await entry.load();
    const preset = presetOption(values, 'preset') ?? envPreset();
    console.error(`spinelab train ${model}: preset ${preset}, backend ${backend.name}${workers ? `, ${workers} worker(s)` : ''}`);
    return trainer.run({
      preset,
      input: (values.input as string | undefined) ?? inputDir(),
      output: (values.output as string | undefined) ?? outputDir(),
      retrain: Boolean(values.retrain),
      json,
      workers,
      prefetch,
      profile: Boolean(values.profile),
      epochs: values.epochs === undefined ? undefined : positiveEpochs(numberOption(values, 'epochs', 1)),
      onEvent: (e, m) => {
        const line = describe(e, m);
        if (line) console.error(line);
      },
      onProgress: progress(`train ${model}`, { mode: process.stderr.isTTY ? 'tty' : 'none' }),
    });
  },
});
