/**
 * tfjs' threaded-SIMD WASM build against process parallelism, for the coords and crop models of
 * `spinelab bench` (bench/engine-models.ts, bench preset sizes): aggregate training samples/s of
 *   1. one training on single-threaded WASM (what spinelab runs),
 *   2. one training on the threaded build with N threads,
 *   3. N worker threads side by side, each on single-threaded WASM (`spinelab bench`'s all-core rows).
 * Each variant runs in its own child process (one WASM build per process), alternating, `--repeats`
 * times; the best of each is kept.
 *
 *   node --import tsx bench/wasm-threads.ts [--threads 2] [--repeats 2] [--steps 4] [--quick] [--json]
 *
 * Stock tfjs-backend-wasm 4.22 turns threads off in Node (tfjs issue 3830), and its threaded build
 * cannot start there as shipped. For this measurement only (spinelab ships the stock build), the
 * child of variant 2 loads a patched *copy* of dist/tf-backend-wasm.node.js from a temp folder
 * (node_modules stays untouched), with the three edits the design notes describe: the pthread worker
 * source is written to a file instead of a Blob URL; the main script is the threaded build's own
 * file (the bundled factory's toString() refers to a renamed `require`); and the reported logical
 * cores are doubled, since the C++ side caps its pool at half of them.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BenchModel, BenchSizes } from '../lib/bench/engine-models.js';

type Variant = 'single' | 'threaded' | 'workers';
interface Measure {
  variant: Variant;
  model: BenchModel;
  threads: number;
  /** Aggregate samples per wall-clock second: the figure that counts on an idle machine. */
  samplesPerS: number;
  msPerStep: number;
  /** Process CPU ms (all threads) per sample: what a shared, loaded machine can still compare. */
  cpuMsPerSample: number;
}

const require = createRequire(import.meta.url);

/** The patched copy of the backend's Node bundle; returns the folder that stands in for the package. */
export function patchedBackendCopy(): string {
  const pkg = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const dist = join(pkg, 'dist');
  const root = mkdtempSync(join(tmpdir(), 'spinelab-wasm-threads-'));
  mkdirSync(join(root, 'dist'));
  for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) symlinkSync(join(dist, f), join(root, 'dist', f));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-backend-wasm', main: 'dist/tf-backend-wasm.node.js' }));
  const workerFile = join(root, 'dist', 'tfjs-backend-wasm-threaded-simd.worker.js');
  let src = readFileSync(join(dist, 'tf-backend-wasm.node.js'), 'utf8');
  const edit = (from: string | RegExp, to: string, what: string) => {
    const next = src.replace(from, () => to); // a function: no `$` patterns in `to`
    if (next === src) throw new Error(`wasm-threads: could not patch ${what} (not tfjs-backend-wasm 4.22?)`);
    src = next;
  };
  // The copy must share the process's tfjs-core (the same engine and kernel registry).
  edit("require('@tensorflow/tfjs-core')", `require(${JSON.stringify(createRequire(join(dist, 'x.js')).resolve('@tensorflow/tfjs-core'))})`, 'the tfjs-core import');
  edit(/var blob = new Blob\(\[response\], \{ type: 'application\/javascript' \}\);\s*return URL\.createObjectURL\(blob\);/,
    `require('fs').writeFileSync(${JSON.stringify(workerFile)}, response); return ${JSON.stringify(workerFile)};`, 'the pthread worker (Blob URL)');
  edit(/factoryConfig\.mainScriptUrlOrBlob = new Blob\(\["var WasmBackendModuleThreadedSimd = " \+\s*wasmFactoryThreadedSimd\.toString\(\)\], \{ type: 'text\/javascript' \}\);/,
    `factoryConfig.mainScriptUrlOrBlob = ${JSON.stringify(join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'))};`, 'the main script URL');
  edit('return require$$4.cpus().length; return navigator', 'return 2 * require$$4.cpus().length; return navigator', 'the logical core count');
  writeFileSync(join(root, 'dist', 'tf-backend-wasm.node.js'), src);
  return root;
}

/** Child process: one variant, one model; prints one JSON line. */
async function child(variant: Variant, model: BenchModel, threads: number, quick: boolean, warmup: number, steps: number): Promise<void> {
  if (variant === 'threaded') {
    const root = patchedBackendCopy();
    const target = pathToFileURL(join(root, 'dist', 'tf-backend-wasm.node.js')).href;
    // Every import of the backend package (lib/engine/wasm) now loads the patched copy.
    const hook = `export async function resolve(s, c, next) { return s === '@tensorflow/tfjs-backend-wasm' ? { url: ${JSON.stringify(target)}, format: 'commonjs', shortCircuit: true } : next(s, c); }`;
    register(`data:text/javascript,${encodeURIComponent(hook)}`);
  }
  const tf = await import('@tensorflow/tfjs');
  const backendWasm = await import('@tensorflow/tfjs-backend-wasm');
  const { FULL, QUICK, makeCase, trainStepper } = await import('../lib/bench/engine-models.js');
  const { initBackend } = await import('../lib/engine/index.js');
  const z: BenchSizes = quick ? QUICK : FULL;
  let out: Measure;
  const cpuNow = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  if (variant === 'workers') {
    const { trainAllCores } = await import('../lib/bench/engine.js');
    await initBackend('wasm');
    out = { variant, model, threads, ...(await trainAllCores(model, z, threads, warmup, steps)) };
  } else {
    if (variant === 'threaded') {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      backendWasm.setThreadsCount(threads);
    }
    await initBackend('wasm');
    const got = backendWasm.getThreadsCount();
    if (got !== (variant === 'threaded' ? threads : 1)) throw new Error(`wasm-threads: asked for ${variant === 'threaded' ? threads : 1} WASM thread(s), got ${got}`);
    const c = makeCase(model, z);
    const t = trainStepper(c);
    for (let i = 0; i < warmup; i++) t.step();
    const t0 = performance.now();
    const c0 = cpuNow();
    for (let i = 0; i < steps; i++) t.step();
    const ms = (performance.now() - t0) / steps;
    out = { variant, model, threads: got, samplesPerS: (c.batch / ms) * 1000, msPerStep: ms, cpuMsPerSample: (cpuNow() - c0) / (steps * c.batch) };
  }
  console.log(JSON.stringify(out));
  process.exit(0); // the pthread pool keeps Node alive otherwise
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (k: string, d: string) => { const i = args.indexOf(`--${k}`); return i >= 0 ? args[i + 1] : d; };
  const quick = args.includes('--quick');
  const threads = Number(opt('threads', String(availableParallelism())));
  const steps = Number(opt('steps', quick ? '2' : '4'));
  const warmup = Number(opt('warmup', quick ? '1' : '2'));
  if (args[0] === '--child') return child(args[1] as Variant, args[2] as BenchModel, threads, quick, warmup, steps);
  const self = fileURLToPath(import.meta.url);
  const best = new Map<string, Measure>();
  for (let r = 0; r < Number(opt('repeats', '2')); r++) {
    for (const model of ['coords', 'crop25d'] as BenchModel[]) {
      for (const variant of ['single', 'threaded', 'workers'] as Variant[]) {
        const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, self, '--child', variant, model, ...args], { maxBuffer: 1 << 20 });
        const m = JSON.parse(stdout.trim().split('\n').pop()!) as Measure;
        const k = `${model}/${variant}`;
        const b = best.get(k);
        best.set(k, b ? { ...b, samplesPerS: Math.max(b.samplesPerS, m.samplesPerS), msPerStep: Math.min(b.msPerStep, m.msPerStep), cpuMsPerSample: Math.min(b.cpuMsPerSample, m.cpuMsPerSample) } : m);
        process.stderr.write(`wasm-threads: ${k} ${m.samplesPerS.toFixed(1)} samples/s, ${m.cpuMsPerSample.toFixed(1)} cpu ms/sample\n`);
      }
    }
  }
  const rows = [...best.values()];
  if (args.includes('--json')) return console.log(JSON.stringify({ threads, quick, rows }));
  console.log(`training, ${quick ? 'tiny' : 'bench'} preset models, N = ${threads} (best of the repeats): samples/s | process CPU ms per sample`);
  console.log('model    1 thread         threaded build ×N   N workers ×1      threads/workers (samples/s)');
  for (const model of ['coords', 'crop25d']) {
    const g = (v: Variant) => best.get(`${model}/${v}`)!;
    const cell = (v: Variant) => `${g(v).samplesPerS.toFixed(1).padStart(6)} | ${g(v).cpuMsPerSample.toFixed(1).padStart(6)}`;
    console.log(`${model.padEnd(8)} ${cell('single')}  ${cell('threaded').padStart(19)}  ${cell('workers').padStart(16)}  ${(g('threaded').samplesPerS / g('workers').samplesPerS).toFixed(2).padStart(10)}`);
  }
}

await main();
