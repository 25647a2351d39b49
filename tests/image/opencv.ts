import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy, type NdArray, type NpyArray } from '../../lib/core/npy.js';

/** Debian's Python with OpenCV (python3-opencv) and numpy: the independent reference for lib/image. */
export const CV2 = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import cv2, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
export const CV2_SKIP_REASON = 'skipped: /usr/bin/python3 with cv2 (Debian python3-opencv) and numpy is not available';
if (!CV2) console.warn(`[image tests] ${CV2_SKIP_REASON}`);

/**
 * Run `script` with `cv2`, `np` and the inputs loaded as `a0`, `a1`, … (float arrays as saved);
 * the script assigns its results to `out` (an array, or a list of arrays), which are returned.
 */
export function cv2Run(script: string, inputs: Array<{ data: NpyArray; shape: number[] }> = []): NdArray[] {
  const dir = mkdtempSync(join(tmpdir(), 'cv2-'));
  try {
    inputs.forEach((a, i) => writeNpy(join(dir, `in${i}.npy`), a));
    const load = inputs.map((_, i) => `a${i} = np.load(D + 'in${i}.npy')`).join('\n');
    const save = `outs = out if isinstance(out, (list, tuple)) else [out]
for i, o in enumerate(outs): np.save(D + f'out{i}.npy', np.ascontiguousarray(o))
print(len(outs))`;
    const n = Number(execFileSync('/usr/bin/python3', ['-c', `import cv2, numpy as np\nD = '${dir}/'\n${load}\n${script}\n${save}`], { stdio: ['ignore', 'pipe', 'pipe'] }).toString());
    return Array.from({ length: n }, (_, i) => readNpy(join(dir, `out${i}.npy`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
