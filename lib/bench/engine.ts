import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { OnProgress } from '../core/progress.js';
import { initBackend } from '../engine/index.js';
import { setWasmKernelSet } from '../engine/wasm/index.js';
import { FULL, QUICK, type BenchModel, type BenchSizes, type TwinSpec, disposeCase, makeCase, trainStepper, twinSpec } from './engine-models.js';
import { trainableParams } from '../engine/layers.js';
import { KernelProfiler, type KernelTime } from '../engine/profile.js';
import type { TrainWorkerData, TrainWorkerReply } from './train-worker.js';

/**
 * ms per training step and per inference batch of the models the presets train, on tfjs backends,
 * against their PyTorch twins on CPU (1 and N threads) in the same run; and training throughput
 * with all cores: N worker threads, each training its own copy of the model on single-threaded
 * WASM (how spinelab uses the cores), against PyTorch with N threads.
 * A training step = forward + loss + backward + clipping + AdamW, as in lib/train and on the torch side.
 */

export type BenchBackend = 'wasm' | 'wasm-minimal' | 'cpu';
export type { BenchModel } from './engine-models.js';
export const BENCH_MODELS: BenchModel[] = ['coords', 'crop25d', 'mlp'];

export interface BenchRow {
  backend: BenchBackend;
  model: BenchModel;
  phase: 'train' | 'infer';
  /** Mean wall-clock ms per step (train) or per batch (infer). */
  ms: number;
  /** Mean process CPU ms per step: less sensitive than `ms` to other processes on shared cores. */
  cpuMs: number;
  /** Trainable parameters of the tfjs model, and of its PyTorch twin (must be equal). */
  params: number;
  torchParams?: number;
  /** The PyTorch twin on CPU with 1 / N threads (absent when torch did not run). */
  torch1?: number;
  torchN?: number;
  /** ms / torch ms: how many times slower than PyTorch (wall-clock). */
  ratio1?: number;
  ratioN?: number;
  /** cpu ms / torch-1-thread cpu ms: the same ratio from CPU time, robust to shared cores. */
  cpuRatio1?: number;
}

/** Training throughput with all cores, per model. */
export interface AllCoresRow {
  model: BenchModel;
  /** Samples per training step (images for coords, studies for the crop model). */
  batch: number;
  /** Worker threads, each training on single-threaded WASM. */
  workers: number;
  /** Aggregate samples/s of all workers (from the common start to the last one's end). */
  samplesPerS: number;
  /** ms per step in each worker (mean over workers). */
  msPerStep: number;
  /** Process CPU ms (all workers) per sample while they ran: steadier on a shared machine. */
  cpuMsPerSample: number;
  /** PyTorch with `workers` threads: samples/s. */
  torchSamplesPerS?: number;
  /** torch samples/s / WASM samples/s: how many times slower. */
  ratio?: number;
}

export interface BenchResult {
  quick: boolean;
  tfjs: string;
  torch?: string;
  /** N: threads of the PyTorch peer and workers of the all-core rows (os.availableParallelism()). */
  threads: number;
  shapes: BenchSizes;
  /** The architecture of each timed model as handed to its PyTorch twin. */
  specs: Partial<Record<BenchModel, TwinSpec>>;
  rows: BenchRow[];
  allCores: AllCoresRow[];
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
  /** Threads / workers of the all-core comparison (default os.availableParallelism(); 0 = skip it). */
  threads?: number;
  /** Per-kernel exclusive wall-clock of the wasm training steps. */
  profile?: boolean;
  onProgress?: OnProgress;
}

/** What the cpu backend can do in reasonable time: conv training takes minutes per step there. */
const CPU_MODELS: BenchModel[] = ['mlp'];
/** Models of the all-core rows: the conv nets the pipeline spends its time on. */
const ALL_CORE_MODELS: BenchModel[] = ['coords', 'crop25d'];

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
    const params = trainableParams(c.model);
    const t = trainStepper(c);
    const infer = () => {
      const p = c.model.predict(c.x) as tf.Tensor;
      p.dataSync();
      p.dispose();
    };
    // Backward-free models (inference) are measured too; the minimal set only differs in training.
    rows.push({ backend, model: name, phase: 'train', ...timeIt(t.step, warmup, steps), params });
    if (backend !== 'wasm-minimal') rows.push({ backend, model: name, phase: 'infer', ...timeIt(infer, warmup, steps), params });
    if (profile && backend === 'wasm') {
      const p = new KernelProfiler();
      p.run(() => t.step());
      profile[name] = p.top(12);
    }
    t.dispose();
    disposeCase(c);
  }
  if (backend === 'wasm-minimal') setWasmKernelSet('full');
  return rows;
}

const BOOT = new URL('../core/worker-boot.mjs', import.meta.url);
const WORKER = new URL('./train-worker.ts', import.meta.url).href;

/**
 * `workers` threads train `model` side by side (each its own WASM instance, one thread each). All
 * warm up first; the clock runs from the common start signal to the last worker's end.
 */
export async function trainAllCores(model: BenchModel, z: BenchSizes, workers: number, warmup: number, steps: number): Promise<{ samplesPerS: number; msPerStep: number; cpuMsPerSample: number }> {
  const ws = Array.from({ length: workers }, (_, i) => new Worker(BOOT, { workerData: { entry: WORKER, model, sizes: z, warmup, steps, seed: i + 1 } satisfies TrainWorkerData }));
  const replies = (type: TrainWorkerReply['type']) => Promise.all(ws.map((w) => new Promise<TrainWorkerReply & { type: typeof type }>((resolve, reject) => {
    const onMessage = (r: TrainWorkerReply) => {
      if (r.type === 'error') reject(new Error(`bench worker (${model}): ${r.error}`));
      else if (r.type === type) {
        w.off('message', onMessage);
        resolve(r as TrainWorkerReply & { type: typeof type });
      }
    };
    w.on('message', onMessage);
    w.once('error', reject);
  })));
  try {
    await replies('ready');
    const done = replies('done');
    const t0 = performance.now();
    const c0 = process.cpuUsage(); // the whole process: every worker's steps (this thread idles)
    for (const w of ws) w.postMessage('go');
    const results = (await done) as Array<Extract<TrainWorkerReply, { type: 'done' }>>;
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const samples = results.reduce((n, r) => n + r.samples, 0);
    return {
      samplesPerS: (samples / wall) * 1000,
      msPerStep: results.reduce((s, r) => s + r.ms, 0) / results.length / steps,
      cpuMsPerSample: (cpu.user + cpu.system) / 1000 / samples,
    };
  } finally {
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

interface TorchOut { threads: number; torch: string; rows: Array<{ model: BenchModel; phase: 'train' | 'infer'; ms: number; cpu_ms: number; params: number }> }

async function runTorch(python: string, specs: Partial<Record<BenchModel, TwinSpec>>, threads: number, warmup: number, steps: number, phases = 'train,infer'): Promise<TorchOut> {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'torch_models.py');
  const args = [script, '--spec', JSON.stringify(specs), '--threads', String(threads), '--warmup', String(warmup), '--steps', String(steps), '--phases', phases];
  const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 1 << 20 });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as TorchOut;
}

/** Trainable parameters of each PyTorch twin (no timing): the bench test checks them against tfjs. */
export async function torchParams(specs: Partial<Record<BenchModel, TwinSpec>>, python = '/usr/bin/python3'): Promise<Record<string, number>> {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'torch_models.py');
  const { stdout } = await promisify(execFile)(python, [script, '--spec', JSON.stringify(specs), '--count'], { maxBuffer: 1 << 20 });
  return (JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { params: Record<string, number> }).params;
}

export async function runEngineBench(opts: BenchOptions = {}): Promise<BenchResult> {
  const quick = opts.quick ?? false;
  const z = quick ? QUICK : FULL;
  const steps = opts.steps ?? (quick ? 2 : 5);
  const warmup = opts.warmup ?? (quick ? 1 : 2);
  const backends = opts.backends ?? ['wasm', 'cpu'];
  const models = opts.models ?? BENCH_MODELS;
  const N = opts.threads ?? availableParallelism();
  const allCoreModels = N > 0 && backends.includes('wasm') ? ALL_CORE_MODELS.filter((m) => models.includes(m)) : [];
  const specs: Partial<Record<BenchModel, TwinSpec>> = Object.fromEntries(models.map((m) => [m, twinSpec(m, z)]));
  const notes: string[] = [];
  const torchThreads = N > 1 ? [1, N] : [1];
  const total = backends.length + allCoreModels.length + (opts.torch === false ? 0 : torchThreads.length);
  let done = 0;
  const report = (detail: string) => opts.onProgress?.({ label: 'bench', done, total, detail });

  const torch: Record<number, TorchOut> = {};
  let torchVersion: string | undefined;
  if (opts.torch !== false) {
    for (const threads of torchThreads) {
      report(`torch ${threads} thread(s)`);
      try {
        torch[threads] = await runTorch(opts.python ?? '/usr/bin/python3', specs, threads, warmup, steps * 2);
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
  const peer = (threads: number, model: BenchModel, phase: 'train' | 'infer') => torch[threads]?.rows.find((p) => p.model === model && p.phase === phase);
  for (const r of rows) {
    const p1 = peer(1, r.model, r.phase);
    if (p1) Object.assign(r, { torch1: p1.ms, ratio1: r.ms / p1.ms, cpuRatio1: r.cpuMs / p1.cpu_ms, torchParams: p1.params });
    const pN = N > 1 ? peer(N, r.model, r.phase) : undefined;
    if (pN) Object.assign(r, { torchN: pN.ms, ratioN: r.ms / pN.ms });
    if (r.torchParams !== undefined && r.torchParams !== r.params) notes.push(`${r.model}: ${r.params} trainable parameters in tfjs, ${r.torchParams} in the PyTorch twin`);
  }

  const allCores: AllCoresRow[] = [];
  for (const m of allCoreModels) {
    report(`wasm ${m}, ${N} workers`);
    const batch = makeBatch(m, z);
    const w = await trainAllCores(m, z, N, warmup, steps);
    const pN = peer(N, m, 'train');
    const torchSamplesPerS = pN ? (batch / pN.ms) * 1000 : undefined;
    allCores.push({ model: m, batch, workers: N, ...w, torchSamplesPerS, ratio: torchSamplesPerS && torchSamplesPerS / w.samplesPerS });
    done++;
  }
  if (backends.includes('cpu')) notes.push(`cpu backend: only ${CPU_MODELS.join(', ')} (conv training takes minutes per step there)`);
  return { quick, tfjs: tf.version.tfjs, torch: torchVersion, threads: N, shapes: z, specs, rows, allCores, profile: profile ?? undefined, notes };
}

function makeBatch(m: BenchModel, z: BenchSizes): number {
  return m === 'coords' ? z.coords.batch : m === 'crop25d' ? z.crop.batch : z.mlp.batch;
}

/** The tables as text: one row per backend × model × phase, then the all-core rows. */
export function formatBench(r: BenchResult): string {
  const f = (v?: number, d = 1) => (v === undefined ? '–' : v.toFixed(d));
  const N = r.threads;
  const lines = [
    `tfjs ${r.tfjs}${r.torch ? `, PyTorch ${r.torch}` : ''}${r.quick ? ' (quick: small shapes)' : ''}`,
    `backend       model    phase  ms/step   cpu ms   torch1  torch${N}   ×torch1  ×torch${N}  ×torch1(cpu)   params`,
  ];
  for (const x of r.rows) {
    lines.push(`${x.backend.padEnd(13)} ${x.model.padEnd(8)} ${x.phase.padEnd(6)} ${f(x.ms).padStart(8)} ${f(x.cpuMs).padStart(8)} ${f(x.torch1).padStart(8)} ${f(x.torchN).padStart(8)} ${f(x.ratio1, 2).padStart(8)} ${f(x.ratioN, 2).padStart(8)} ${f(x.cpuRatio1, 2).padStart(13)} ${String(x.params).padStart(8)}`);
  }
  if (r.allCores.length) {
    lines.push(`training with all cores: ${N} workers × single-threaded WASM vs PyTorch ${N} threads (samples/s)`);
    lines.push('model    batch  wasm ms/step/worker  wasm cpu ms/sample  wasm samples/s  torch samples/s  ×torch');
    for (const a of r.allCores) {
      lines.push(`${a.model.padEnd(8)} ${String(a.batch).padStart(5)} ${f(a.msPerStep).padStart(20)} ${f(a.cpuMsPerSample).padStart(19)} ${f(a.samplesPerS).padStart(15)} ${f(a.torchSamplesPerS).padStart(16)} ${f(a.ratio, 2).padStart(7)}`);
    }
  }
  for (const [model, ks] of Object.entries(r.profile ?? {})) {
    lines.push(`wasm ${model} training step, heaviest kernels (exclusive wall ms, cpu ms):`);
    for (const k of ks) lines.push(`  ${k.kernel.padEnd(36)} ${k.ms.toFixed(1).padStart(7)} ${k.cpuMs.toFixed(1).padStart(7)}  ×${k.calls}`);
  }
  lines.push(...r.notes);
  return lines.join('\n');
}
