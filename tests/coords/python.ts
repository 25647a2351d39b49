import type { NdArray, NpyArray } from '../../lib/core/npy.js';
import { pythonReference } from '../helpers/python.js';

/** Debian's Python with numpy and torch: the independent reference of the pixel kernels. */
const PY = pythonReference(['numpy', 'torch']);
export const PYTHON = PY.ok;
export const PYTHON_SKIP_REASON = PY.skipReason;

/**
 * Run `script` (numpy as `np` and torch imported) with the inputs saved as `in0.npy`, `in1.npy`, …
 * in the folder `D`; the script saves its result as `out.npy`, which is returned.
 */
export function runPython(script: string, inputs: Array<{ data: NpyArray; shape: number[] }>): NdArray {
  return PY.npy(`import torch\n${script}`, inputs);
}
