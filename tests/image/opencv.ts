import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy, type NdArray, type NpyArray } from '../../lib/core/npy.js';
import { pythonReference } from '../helpers/python.js';

/** Debian's Python with OpenCV (python3-opencv) and numpy: the independent reference for lib/image. */
const PY = pythonReference(['cv2', 'numpy']);
export const CV2 = PY.ok;
export const CV2_SKIP_REASON = PY.skipReason;

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
    const n = Number(PY.run(['-c', `import cv2, numpy as np\nD = '${dir}/'\n${load}\n${script}\n${save}`]));
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
