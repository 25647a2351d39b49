import { defineCommand, numberOption } from '../command.js';
import { UsageError } from '../../core/errors.js';
import { BENCH_MODELS, formatBench, runEngineBench, type BenchBackend, type BenchModel } from '../../bench/index.js';

const BACKENDS: BenchBackend[] = ['wasm', 'wasm-minimal', 'cpu'];

function listOption<T extends string>(v: unknown, allowed: readonly T[], flag: string): T[] | undefined {
  if (v === undefined) return undefined;
  const items = String(v).split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw new UsageError(`--${flag}: unknown "${i}" (expected ${allowed.join(', ')})`);
  return items as T[];
}

export default defineCommand({
  name: 'bench',
  summary: 'Benchmark training/inference ms per step on tfjs backends vs PyTorch CPU',
  usage: [
    'Usage: spinelab bench [--quick] [--backends wasm,cpu] [--models coords,crop25d,mlp]',
    '                      [--steps N] [--warmup N] [--no-torch] [--profile] [--json]',
    '',
    'Times a training step (forward + loss + backward + Adam) and an inference batch for',
    '  coords   coords-style ResNet CNN, 8 × 128×128×3',
    '  crop25d  2.5-D crop model, 4 × 7 frames × 64×64×3, shared CNN + bidirectional GRU',
    '  mlp      level-2 MLP (three row-wise heads, hidden 4096), batch 128',
    'on each backend (wasm = our kernels; wasm-minimal = stock + only the missing kernels;',
    'cpu = the MLP only), and the same models in PyTorch on CPU with 1 and 2 threads',
    '(/usr/bin/python3 bench/torch_models.py) in the same run, with the ratios.',
    '',
    '  --quick      tiny shapes, 1 warm-up + 2 steps (CI smoke, seconds)',
    '  --profile    also list the heaviest wasm kernels of each training step',
    '  --no-torch   skip PyTorch',
    '  --python P   interpreter with torch (default /usr/bin/python3)',
    '',
    'Timings are wall-clock: run it on an otherwise idle machine.',
    '--json: {quick, tfjs, torch, shapes, rows: [{backend, model, phase, ms, torch1, torch2, ratio1, ratio2}], profile?, notes}',
  ].join('\n'),
  options: {
    quick: { type: 'boolean' },
    backends: { type: 'string' },
    models: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    'no-torch': { type: 'boolean' },
    profile: { type: 'boolean' },
    python: { type: 'string' },
  },
  async run({ values, json }) {
    const steps = numberOption(values, 'steps', NaN);
    const warmup = numberOption(values, 'warmup', NaN);
    for (const [k, v] of [['steps', steps], ['warmup', warmup]] as const) {
      if (!Number.isNaN(v) && (!Number.isInteger(v) || v < (k === 'steps' ? 1 : 0))) throw new UsageError(`--${k} must be a ${k === 'steps' ? 'positive' : 'non-negative'} integer, got ${v}`);
    }
    const result = await runEngineBench({
      quick: Boolean(values.quick),
      backends: listOption(values.backends, BACKENDS, 'backends'),
      models: listOption<BenchModel>(values.models, BENCH_MODELS, 'models'),
      steps: Number.isNaN(steps) ? undefined : steps,
      warmup: Number.isNaN(warmup) ? undefined : warmup,
      torch: !values['no-torch'],
      python: typeof values.python === 'string' ? values.python : undefined,
      profile: Boolean(values.profile),
      onProgress: (e) => process.stderr.write(`bench: ${e.detail ?? ''}\n`),
    });
    if (!json) console.log(formatBench(result));
    return result;
  },
});
