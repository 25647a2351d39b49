import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../../lib/core/paths.js';
import { readNpy } from '../../lib/core/npy.js';
import { pythonReference } from '../helpers/python.js';

/** timm 0.9.2 beside the checkout (`../shared/reference/timm-0.9.2`), run on Debian's torch. */
export const TIMM_DIR = resolve(projectRoot(), '..', 'shared', 'reference', 'timm-0.9.2');
const TIMM_ENV = { PYTHONPATH: TIMM_DIR };
// timm 0.9.2 imports torchvision and yaml besides torch.
const PY = pythonReference(['numpy', 'torch', 'torchvision', 'yaml']);

/** Why the timm comparisons cannot run here, or null when they can. */
export const TIMM_SKIP_REASON: string | null = (() => {
  if (!existsSync(TIMM_DIR)) return `skipped: ${TIMM_DIR} (timm 0.9.2, the reference) is not beside this checkout`;
  if (!PY.ok) return PY.skipReason;
  try {
    PY.run(['-c', 'import timm'], { env: TIMM_ENV });
    return null;
  } catch (e) {
    return `skipped: timm 0.9.2 does not import: ${(e as Error).message.split('\n').slice(-2).join(' ')}`;
  }
})();
if (TIMM_SKIP_REASON) console.warn(`[spinelab tests] ${TIMM_SKIP_REASON}`);

export interface Export {
  dir: string;
  arch: string;
  imgSize: number;
  /** timm's parameter count (`sum(p.numel() for p in model.parameters())`). */
  params: number;
  features: number;
}

/** One job per (arch, size): random-initialised timm weights, an input batch and timm's features, see timm_export.py. */
export function exportTimm(outDir: string, jobs: Array<{ arch: string; imgSize: number; batch: number; pth?: boolean; train?: boolean }>): Export[] {
  const args = jobs.map((j) => `${j.arch}:${j.imgSize}:${j.batch}${j.pth ? ':pth' : ''}${j.train ? ':train' : ''}`);
  PY.run(['-W', 'ignore', join(projectRoot(), 'tests', 'backbones', 'timm_export.py'), outDir, ...args], { env: TIMM_ENV });
  return jobs.map((j) => {
    const dir = join(outDir, `${j.arch}_${j.imgSize}`);
    const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8'));
    return { dir, arch: j.arch, imgSize: j.imgSize, params: info.params, features: info.features };
  });
}

/** The exported input [N, S, S, 3] and timm's features [N, C]. */
export function exportedBatch(e: Export): { x: { data: Float32Array; shape: number[] }; y: { data: Float32Array; shape: number[] } } {
  const x = readNpy(join(e.dir, 'x.npy'));
  const y = readNpy(join(e.dir, 'y.npy'));
  return { x: { data: x.data as Float32Array, shape: x.shape }, y: { data: y.data as Float32Array, shape: y.shape } };
}
