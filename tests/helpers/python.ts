import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy, type NdArray, type NpyArray } from '../../lib/core/npy.js';
import { SYSTEM_PYTHON } from '../../lib/pipeline/runner/run.js';

/**
 * Debian's Python (`/usr/bin/python3`, with numpy, torch, cv2, pydicom, nbclient) as the independent
 * reference of the numerical tests. The `python3` on PATH may be another interpreter without them,
 * so tests never call it. One probe per module set (cached), one skip message:
 *
 * ```ts
 * const PY = pythonReference(['numpy', 'torch']);
 * describe.skipIf(!PY.ok)(`… (${PY.ok ? 'PyTorch reference' : PY.skipReason})`, () => { … });
 * it.skipIf(!PY.ok)('equals torch …', () => {
 *   const out = PY.json<number[]>(['-c', 'import json, torch; print(json.dumps(…))']);
 * });
 * ```
 *
 * A set that does not import prints `[spinelab tests] skipped: …` once, so a skip is never silent.
 */
export interface PythonReference {
  /** True when the interpreter exists and imports every module. */
  ok: boolean;
  /** `skipped: /usr/bin/python3 with numpy + torch is not available` (the one format). */
  skipReason: string;
  /** Modules probed, as given. */
  modules: readonly string[];
  /**
   * Run the interpreter with `args` (`['-c', code, ...]` or `[scriptFile, ...]`) and return stdout.
   * Throws with the script's stderr when it exits non-zero, and the skip reason when `!ok`.
   */
  run(args: readonly string[], opts?: PythonRunOptions): string;
  /** `run` whose stdout is one JSON value. */
  json<T>(args: readonly string[], opts?: PythonRunOptions): T;
  /**
   * Arrays in and out as `.npy`: `inputs` are saved as `in0.npy`, `in1.npy`, … in a fresh folder
   * whose path (with a trailing slash) the script finds in `D`, numpy imported as `np`; the script
   * saves its result as `D + 'out.npy'`, which is returned.
   */
  npy(script: string, inputs: ReadonlyArray<{ data: NpyArray; shape: number[] }>): NdArray;
}

export interface PythonRunOptions {
  /** Text on stdin. */
  input?: string;
  /** Added to the environment (e.g. `PYTHONPATH` of the timm sources). */
  env?: Record<string, string>;
}

export { SYSTEM_PYTHON };

const probes = new Map<string, PythonReference>();

export function pythonReference(modules: readonly string[]): PythonReference {
  const key = [...modules].sort().join(',');
  const known = probes.get(key);
  if (known) return known;
  const skipReason = `skipped: ${SYSTEM_PYTHON} with ${modules.length ? modules.join(' + ') : 'Python'} is not available`;
  const ok = existsSync(SYSTEM_PYTHON)
    && spawnSync(SYSTEM_PYTHON, ['-c', modules.length ? `import ${modules.join(', ')}` : 'pass'], { stdio: 'ignore' }).status === 0;
  if (!ok) console.warn(`[spinelab tests] ${skipReason}`);
  const run = (args: readonly string[], opts: PythonRunOptions = {}): string => {
    if (!ok) throw new Error(skipReason);
    const r = spawnSync(SYSTEM_PYTHON, args, {
      input: opts.input, encoding: 'utf8', maxBuffer: 1 << 28, env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${SYSTEM_PYTHON} exited with ${r.status}:\n${r.stderr}`);
    return r.stdout;
  };
  const npy = (script: string, inputs: ReadonlyArray<{ data: NpyArray; shape: number[] }>): NdArray => {
    const dir = mkdtempSync(join(tmpdir(), 'spinelab-py-'));
    try {
      inputs.forEach((a, i) => writeNpy(join(dir, `in${i}.npy`), a));
      run(['-c', `import numpy as np\nD=${JSON.stringify(`${dir}/`)}\n${script}`]);
      return readNpy(join(dir, 'out.npy'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const ref: PythonReference = { ok, skipReason, modules: [...modules], run, json: (args, opts) => JSON.parse(run(args, opts)), npy };
  probes.set(key, ref);
  return ref;
}
