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
    '                      [--steps N] [--warmup N] [--threads N] [--no-torch] [--profile] [--json]',
    '',
    'Times a training step (forward + loss + backward + clipping + AdamW, as lib/train) and an',
    'inference batch of the models the presets train, built by the stages\' own builders:',
    '  coords   coordinates CNN of the coords `bench` preset, 16 × 128×128×1, soft-argmax head',
    '  crop25d  all-target crop classifier of the classify `bench` preset, 32 × 13 frames × 48×48×3,',
    '           shared CNN [16,32,64,96] + three BiLSTM heads',
    '  mlp      level-2 MLP (three row-wise heads, hidden 4096), batch 128',
    'on each backend (wasm = our kernels; wasm-minimal = stock + only the missing kernels;',
    'cpu = the MLP only), and their PyTorch twins on CPU with 1 and N threads',
    '(/usr/bin/python3 bench/torch_models.py) in the same run, with the ratios. Then training',
    'with all cores: N worker threads each train their own copy of the coords and crop models on',
    'single-threaded WASM (how spinelab uses the cores), aggregate samples/s against PyTorch with',
    'N threads.',
    '',
    '  --quick      the tiny presets\' models, 1 warm-up + 2 steps (CI smoke, seconds)',
    '  --threads N  workers and PyTorch threads of the all-core rows (default: all cores,',
    '               os.availableParallelism(); 0 skips them)',
    '  --profile    also list the heaviest wasm kernels of each training step',
    '  --no-torch   skip PyTorch',
    '  --python P   interpreter with torch (default /usr/bin/python3)',
    '',
    'Timings are wall-clock: run it on an otherwise idle machine (cpu ms and ×torch1(cpu) are',
    'steadier on a shared one).',
    '--json: {quick, tfjs, torch, threads, shapes, specs, rows: [{backend, model, phase, ms, cpuMs, params,',
    '  torchParams, torch1, torchN, ratio1, ratioN, cpuRatio1}], allCores: [{model, batch, workers,',
    '  samplesPerS, msPerStep, cpuMsPerSample, torchSamplesPerS, ratio}], profile?, notes}',
  ].join('\n'),
  options: {
    quick: { type: 'boolean' },
    backends: { type: 'string' },
    models: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
    'no-torch': { type: 'boolean' },
    profile: { type: 'boolean' },
    python: { type: 'string' },
  },
  async run({ values, json }) {
    const steps = numberOption(values, 'steps', NaN);
    const warmup = numberOption(values, 'warmup', NaN);
    const threads = numberOption(values, 'threads', NaN);
    for (const [k, v] of [['steps', steps], ['warmup', warmup], ['threads', threads]] as const) {
      if (!Number.isNaN(v) && (!Number.isInteger(v) || v < (k === 'steps' ? 1 : 0))) throw new UsageError(`--${k} must be a ${k === 'steps' ? 'positive' : 'non-negative'} integer, got ${v}`);
    }
    const result = await runEngineBench({
      quick: Boolean(values.quick),
      backends: listOption(values.backends, BACKENDS, 'backends'),
      models: listOption<BenchModel>(values.models, BENCH_MODELS, 'models'),
      steps: Number.isNaN(steps) ? undefined : steps,
      warmup: Number.isNaN(warmup) ? undefined : warmup,
      threads: Number.isNaN(threads) ? undefined : threads,
      torch: !values['no-torch'],
      python: typeof values.python === 'string' ? values.python : undefined,
      profile: Boolean(values.profile),
      onProgress: (e) => process.stderr.write(`bench: ${e.detail ?? ''}\n`),
    });
    if (!json) console.log(formatBench(result));
    return result;
  },
});
