import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { OnProgress } from '../core/progress.js';
import { initBackend } from '../engine/index.js';
import { setWasmKernelSet } from '../engine/wasm/index.js';
import { FULL, MLP_GROUPS, QUICK, type BenchSizes, coordsModel, cropModel, mlpModel, weightedCe } from './engine-models.js';
import { KernelProfiler, type KernelTime } from './kernel-profiler.js';

/**
 * ms per training step and per inference batch for the pipeline's model families on tfjs backends,
 * against the same architectures in PyTorch on CPU (1 and 2 threads) in the same run.
 * A training step = forward + loss + backward + Adam update, as on the torch side.
 */

export type BenchBackend = 'wasm' | 'wasm-minimal' | 'cpu';
export type BenchModel = 'coords' | 'crop25d' | 'mlp';
export const BENCH_MODELS: BenchModel[] = ['coords', 'crop25d', 'mlp'];

export interface BenchRow {
  backend: BenchBackend;
  model: BenchModel;
  phase: 'train' | 'infer';
  /** Mean wall-clock ms per step (train) or per batch (infer). */
  ms: number;
  /** Mean process CPU ms per step: less sensitive than `ms` to other processes on shared cores. */
  cpuMs: number;
  /** Same architecture in PyTorch on CPU with 1 / 2 threads (absent when torch did not run). */
  torch1?: number;
  torch2?: number;
  /** ms / torch ms: how many times slower than PyTorch (wall-clock). */
  ratio1?: number;
  ratio2?: number;
  /** cpu ms / torch-1-thread cpu ms: the same ratio from CPU time, robust to shared cores. */
  cpuRatio1?: number;
}

export interface BenchResult {
  quick: boolean;
  tfjs: string;
  torch?: string;
  shapes: BenchSizes;
  rows: BenchRow[];
  /** Heaviest kernels of each wasm training step, when profiling was asked for. */
  profile?: Record<string, KernelTime[]>;
  notes: string[];
}

export interface BenchOptions {
  quick?: boolean;
  backends?: BenchBackend[];
  models?: BenchModel[];
  /** Timed steps after the warm-up (default 5, quick 2; torch runs 2× as many). */
  steps?: number;
  warmup?: number;
  /** Run the PyTorch twins (default true). */
  torch?: boolean;
  python?: string;
  /** Per-kernel exclusive wall-clock of the wasm training steps. */
  profile?: boolean;
  onProgress?: OnProgress;
}

/** What the cpu backend can do in reasonable time: conv training takes minutes per step there. */
const CPU_MODELS: BenchModel[] = ['mlp'];

interface Case {
  model: tf.LayersModel;
  x: tf.Tensor | tf.Tensor[];
  y: tf.Tensor;
  loss: (pred: tf.Tensor, y: tf.Tensor) => tf.Scalar;
}

function makeCase(name: BenchModel, z: BenchSizes): Case {
  if (name === 'coords') {
    const c = z.coords;
    return { model: coordsModel(c), x: tf.randomNormal([c.batch, c.size, c.size, 3]), y: tf.randomUniform([c.batch, 10]), loss: (p, y) => tf.losses.meanSquaredError(y, p) as tf.Scalar };
  }
  if (name === 'crop25d') {
    const c = z.crop;
    return { model: cropModel(c), x: tf.randomNormal([c.batch, c.frames, c.size, c.size, 3]), y: tf.randomUniform([c.batch, 5], 0, 3, 'int32'), loss: weightedCe };
  }
  const m = z.mlp;
  return { model: mlpModel(m), x: MLP_GROUPS.map((g) => tf.randomNormal([m.batch, g.rows, g.features])), y: tf.randomUniform([m.batch, 25], 0, 3, 'int32'), loss: weightedCe };
}

function timeIt(fn: () => void, warmup: number, steps: number): { ms: number; cpuMs: number } {
  for (let i = 0; i < warmup; i++) fn();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) fn();
  const c = process.cpuUsage(c0);
  return { ms: (performance.now() - t0) / steps, cpuMs: (c.user + c.system) / 1000 / steps };
}

async function benchBackend(backend: BenchBackend, models: BenchModel[], z: BenchSizes, warmup: number, steps: number, profile: Record<string, KernelTime[]> | null, progress: (detail: string) => void): Promise<BenchRow[]> {
  await initBackend(backend === 'cpu' ? 'cpu' : 'wasm');
  if (backend !== 'cpu') setWasmKernelSet(backend === 'wasm' ? 'full' : 'minimal');
  const rows: BenchRow[] = [];
  for (const name of models) {
    if (backend === 'cpu' && !CPU_MODELS.includes(name)) continue;
    progress(`${backend} ${name}`);
    const c = makeCase(name, z);
    const opt = tf.train.adam(1e-3);
    const vars = c.model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
    const train = () => {
      const l = opt.minimize(() => c.loss(c.model.apply(c.x, { training: true }) as tf.Tensor, c.y), true, vars);
      l?.dataSync();
      l?.dispose();
    };
    const infer = () => {
      const p = c.model.predict(c.x) as tf.Tensor;
      p.dataSync();
      p.dispose();
    };
    // Backward-free models (inference) are measured too; the minimal set only differs in training.
    rows.push({ backend, model: name, phase: 'train', ...timeIt(train, warmup, steps) });
    if (backend !== 'wasm-minimal') rows.push({ backend, model: name, phase: 'infer', ...timeIt(infer, warmup, steps) });
    if (profile && backend === 'wasm') {
      const p = new KernelProfiler();
      p.run(() => train());
      profile[name] = p.top(12);
    }
    tf.dispose([c.x, c.y]);
    opt.dispose();
    c.model.dispose();
  }
  if (backend === 'wasm-minimal') setWasmKernelSet('full');
  return rows;
}

interface TorchOut { threads: number; torch: string; rows: Array<{ model: BenchModel; phase: 'train' | 'infer'; ms: number; cpu_ms: number }> }

async function runTorch(python: string, threads: number, quick: boolean, warmup: number, steps: number): Promise<TorchOut> {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'torch_models.py');
  const args = [script, '--threads', String(threads), '--warmup', String(warmup), '--steps', String(steps)];
  if (quick) args.push('--quick');
  const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 1 << 20 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as TorchOut;
}

export async function runEngineBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const quick = opts.quick ?? false;
  const z = quick ? QUICK : FULL;
  const steps = opts.steps ?? (quick ? 2 : 5);
  const warmup = opts.warmup ?? (quick ? 1 : 2);
  const backends = opts.backends ?? ['wasm', 'cpu'];
  const models = opts.models ?? BENCH_MODELS;
  const notes: string[] = [];
  const total = backends.length + (opts.torch === false ? 0 : 2);
  let done = 0;
  const report = (detail: string) => opts.onProgress?.({ label: 'bench', done, total, detail });

  const torch: Record<number, TorchOut> = {};
  let torchVersion: string | undefined;
  if (opts.torch !== false) {
    for (const threads of [1, 2]) {
      report(`torch ${threads} thread(s)`);
      try {
        torch[threads] = await runTorch(opts.python ?? '/usr/bin/python3', threads, quick, warmup, steps * 2);
        torchVersion = torch[threads].torch;
      } catch (e) {
        notes.push(`PyTorch ${threads} thread(s) did not run: ${(e as Error).message.split('\n')[0]}`);
      }
      done++;
    }
  }
  const profile: Record<string, KernelTime[]> | null = opts.profile ? {} : null;
  const rows: BenchRow[] = [];
  for (const b of backends) {
    rows.push(...(await benchBackend(b, models, z, warmup, steps, profile, report)));
    done++;
  }
  for (const r of rows) {
    for (const t of [1, 2] as const) {
      const peer = torch[t]?.rows.find((p) => p.model === r.model && p.phase === r.phase);
      if (!peer) continue;
      r[t === 1 ? 'torch1' : 'torch2'] = peer.ms;
      r[t === 1 ? 'ratio1' : 'ratio2'] = r.ms / peer.ms;
      if (t === 1) r.cpuRatio1 = r.cpuMs / peer.cpu_ms;
    }
  }
  if (backends.includes('cpu')) notes.push(`cpu backend: only ${CPU_MODELS.join(', ')} (conv training takes minutes per step there)`);
  return { quick, tfjs: tf.version.tfjs, torch: torchVersion, shapes: z, rows, profile: profile ?? undefined, notes };
}

/** The table as text, one row per backend × model × phase. */
export function formatBench(r: BenchResult): string {
  const f = (v?: number, d = 1) => (v === undefined ? '–' : v.toFixed(d));
  const lines = [
    `tfjs ${r.tfjs}${r.torch ? `, PyTorch ${r.torch}` : ''}${r.quick ? ' (quick: small shapes)' : ''}`,
    'backend       model    phase  ms/step   cpu ms   torch1   torch2   ×torch1  ×torch2  ×torch1(cpu)',
  ];
  for (const x of r.rows) {
    lines.push(`${x.backend.padEnd(13)} ${x.model.padEnd(8)} ${x.phase.padEnd(6)} ${f(x.ms).padStart(8)} ${f(x.cpuMs).padStart(8)} ${f(x.torch1).padStart(8)} ${f(x.torch2).padStart(8)} ${f(x.ratio1, 2).padStart(8)} ${f(x.ratio2, 2).padStart(8)} ${f(x.cpuRatio1, 2).padStart(13)}`);
  }
  for (const [model, ks] of Object.entries(r.profile ?? {})) {
    lines.push(`wasm ${model} training step, heaviest kernels (exclusive ms):`);
    for (const k of ks) lines.push(`  ${k.kernel.padEnd(36)} ${k.ms.toFixed(1).padStart(7)}  ×${k.calls}`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}
