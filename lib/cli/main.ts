import { asError, SpinelabError, UsageError } from '../core/errors.js';
import { parseCommandArgs, type Command } from './command.js';

/**
 * Every command, loaded lazily so that `spinelab score` does not pay for tfjs start-up.
 * A stage adds its command here and in lib/cli/commands/.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: { summary: 'The main job: the whole pipeline on input/ (synthetic studies when empty) → output/', load: async () => (await import('./commands/run.js')).default },
  synth: { summary: 'Generate synthetic lumbar MRI studies in the competition layout, with known truth', load: async () => (await import('./commands/synth.js')).default },
  prepare: { summary: 'Convert the DICOM series of a split to stacks (.npy) + frames/geometry/errors tables', load: async () => (await import('./commands/prepare.js')).default },
  train: { summary: 'Train a model with k folds: train coords | crops | lvl2', load: async () => (await import('./commands/train.js')).default },
  crops: { summary: 'Cut the 5 level crops of every sagittal training series (predicted + fixed sets)', load: async () => (await import('./commands/crops.js')).default },
  infer: { summary: 'Inference: test DICOMs → submission.csv (Kaggle format), optionally scored (EVAL)', load: async () => (await import('./commands/infer.js')).default },
  web: { summary: 'A static site that runs the trained models in the browser on the user\'s own DICOM files', load: async () => (await import('./commands/web.js')).default },
  score: { summary: 'Score a submission.csv with the competition metric', load: async () => (await import('./commands/score.js')).default },
  check: { summary: 'Check a main job\'s outputs: valid submission, notebooks without error cells, report renders', load: async () => (await import('./commands/check.js')).default },
  notebooks: { summary: 'Run the notebooks headless in order (node or jupyter runner), write executed copies and an HTML report', load: async () => (await import('./commands/notebooks.js')).default },
  bench: { summary: 'Benchmark ms per training step / inference batch on tfjs backends vs PyTorch CPU', load: async () => (await import('./commands/bench.js')).default },
  backbone: { summary: 'Pooled features of a timm backbone (CoAtNets, resnet18, convnext_tiny), optionally from PyTorch weights', load: async () => (await import('./commands/backbone.js')).default },
  backend: { summary: 'Show which tfjs backend is chosen on this machine and why', load: async () => (await import('./commands/backend.js')).default },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'spinelab — RSNA 2024 lumbar spine pipeline (6th place, Theo Viel\'s part) in TypeScript',
    '',
    'Usage: spinelab <command> [options]   (spinelab <command> --help for its options)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(width)}  ${v.summary}`),
    '',
    'Every command accepts --json: its last stdout line is then one JSON object.',
  ].join('\n');
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`spinelab: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const cmd = await entry.load();
  try {
    const { values, positionals } = parseCommandArgs(cmd, rest);
    if (values.help) {
      console.log(cmd.usage);
      return 0;
    }
    const json = Boolean(values.json);
    const result = await cmd.run({ values: values as Record<string, string | boolean | undefined>, positionals, json });
    if (json) console.log(JSON.stringify(result ?? {}));
    return 0;
  } catch (e) {
    const err = asError(e);
    if (err instanceof UsageError) {
      console.error(`spinelab ${name}: ${err.message}`);
      return 2;
    }
    console.error(err instanceof SpinelabError ? `spinelab ${name}: ${err.message}` : err.stack ?? err.message);
    return 1;
  }
}
