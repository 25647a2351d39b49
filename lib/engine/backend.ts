import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
// Static import: a dynamic import() of a .ts module fails inside the tslab kernel (tsx/cjs).
import { prepareWasm } from './wasm/index.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  /** The tfjs backend now active. */
  name: BackendName;
  /** Why it was chosen (explicit request, what failed to load before it). */
  reason: string;
  /** Native TensorFlow package loaded, if any. */
  nativePackage?: string;
}

let chosen: BackendChoice | null = null;
let pending: Promise<BackendChoice> | null = null;
const require = createRequire(import.meta.url);

/**
 * Pick and activate the tfjs backend once per process. An explicit choice (argument, then
 * SPINELAB_BACKEND) wins; otherwise native TensorFlow (`@tensorflow/tfjs-node-gpu`, then
 * `tfjs-node`) if it loads, else WASM (with the training kernels registered), else CPU.
 * Porting note: the reference runs PyTorch on CUDA; we must also *train* on WASM (see wasm/).
 */
export function initBackend(explicit?: BackendName): Promise<BackendChoice> {
  if (chosen && (!explicit || explicit === chosen.name)) return Promise.resolve(chosen);
  if (!pending || explicit) pending = choose(explicit ?? (process.env.SPINELAB_BACKEND as BackendName | undefined));
  return pending;
}

export function currentBackend(): BackendChoice | null {
  return chosen;
}

async function choose(explicit?: BackendName): Promise<BackendChoice> {
  const notes: string[] = [];
  const order: BackendName[] = explicit ? [explicit] : ['tensorflow', 'wasm', 'cpu'];
  if (explicit && !['tensorflow', 'wasm', 'cpu'].includes(explicit)) {
    throw new Error(`unknown backend "${explicit}" (expected tensorflow, wasm or cpu)`);
  }
  let nativePackage: string | undefined;
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        nativePackage = loadNative(notes);
        if (!nativePackage) continue;
      }
      if (name === 'wasm') await prepareWasm();
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
      await tf.ready();
      const reason = explicit
        ? `requested explicitly (${process.env.SPINELAB_BACKEND === explicit ? 'SPINELAB_BACKEND' : 'option'})`
        : notes.length ? notes.join('; ') : `first available`;
      chosen = { name, reason, nativePackage: name === 'tensorflow' ? nativePackage : undefined };
      return chosen;
    } catch (e) {
      if (explicit) throw new Error(`backend "${name}" was requested but cannot start: ${(e as Error).message}`);
      notes.push(`${name} failed (${(e as Error).message.split('\n')[0]})`);
    }
  }
  throw new Error(`no tfjs backend could start: ${notes.join('; ')}`);
}

/**
 * Load native TensorFlow bindings if installed. Never probe `@tensorflow/tfjs-node` by itself:
 * the danfojs override places pure-JS tfjs under that name, so we check for the binding file.
 */
function loadNative(notes: string[]): string | undefined {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    let pkgJson: { name?: string };
    try {
      pkgJson = require(`${pkg}/package.json`);
    } catch {
      continue;
    }
    if (pkgJson.name !== pkg) continue; // an alias to plain tfjs (danfojs override)
    try {
      require(pkg);
      if (tf.engine().registryFactory['tensorflow']) return pkg;
      notes.push(`${pkg} loaded without registering a backend`);
    } catch (e) {
      notes.push(`${pkg} installed but failed to load (${(e as Error).message.split('\n')[0]})`);
    }
  }
  notes.push('native TensorFlow not installed');
  return undefined;
}
