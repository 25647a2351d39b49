import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../../lib/core/paths.js';
import { readNpy } from '../../lib/core/npy.js';

/** timm 0.9.2 beside the checkout (`../shared/reference/timm-0.9.2`), run on Debian's torch. */
export const TIMM_DIR = resolve(projectRoot(), '..', 'shared', 'reference', 'timm-0.9.2');

/** Why the timm comparisons cannot run here, or null when they can. */
export const TIMM_SKIP_REASON: string | null = (() => {
  if (!existsSync(TIMM_DIR)) return `skipped: ${TIMM_DIR} (timm 0.9.2, the reference) is not beside this checkout`;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy, torch, torchvision, yaml, timm'], { stdio: 'ignore', env: { ...process.env, PYTHONPATH: TIMM_DIR } });
    return null;
  } catch {
    return 'skipped: /usr/bin/python3 cannot import timm (needs Debian python3-torch, python3-torchvision, python3-yaml, numpy)';
  }
})();
if (TIMM_SKIP_REASON) console.warn(`[backbone tests] ${TIMM_SKIP_REASON}`);

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
  execFileSync('/usr/bin/python3', ['-W', 'ignore', join(projectRoot(), 'tests', 'backbones', 'timm_export.py'), outDir, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PYTHONPATH: TIMM_DIR },
  });
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
