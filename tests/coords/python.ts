import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy, type NdArray, type NpyArray } from '../../lib/core/npy.js';

/** Debian's Python with numpy and torch (the independent reference for pixel kernels), if usable. */
export const PYTHON = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy, torch'], { stdio: 'ignore' });
    return '/usr/bin/python3';
  } catch {
    return null;
  }
})();
export const PYTHON_SKIP_REASON = 'skipped: /usr/bin/python3 with numpy + torch is not available';
if (!PYTHON) console.warn(`[coords tests] ${PYTHON_SKIP_REASON}`);

/**
 * Run `script` with the inputs saved as `in0.npy`, `in1.npy`, … in the working folder (`D`); the
 * script saves its result as `out.npy`, which is returned.
 */
export function runPython(script: string, inputs: Array<{ data: NpyArray; shape: number[] }>): NdArray {
  const dir = mkdtempSync(join(tmpdir(), 'coords-py-'));
  try {
    inputs.forEach((a, i) => writeNpy(join(dir, `in${i}.npy`), a));
    execFileSync(PYTHON!, ['-c', `import numpy as np, torch\nD='${dir}/'\n${script}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    return readNpy(join(dir, 'out.npy'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
