import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root: the nearest folder above this file (or above `from`) holding spinelab's
 * package.json. Notebooks run with cwd = notebooks/, the CLI anywhere, so never use process.cwd().
 */
export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'spinelab') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`projectRoot: no spinelab package.json above ${from}`);
    dir = up;
  }
}

/** Default data folder: `input/` (the user's Kaggle download, or generated synthetic studies). */
export function inputDir(): string {
  return process.env.SPINELAB_INPUT ? resolve(process.env.SPINELAB_INPUT) : join(projectRoot(), 'input');
}

/** Default artefact folder: `output/` (stacks, crops, models, reports). */
export function outputDir(): string {
  return process.env.SPINELAB_OUTPUT ? resolve(process.env.SPINELAB_OUTPUT) : join(projectRoot(), 'output');
}

/**
 * The read-only reference data beside the checkout (`../shared/data`), or null where a user's clone
 * has none. `SPINELAB_SHARED_DATA` overrides the location.
 */
export function sharedDataDir(): string | null {
  const dir = process.env.SPINELAB_SHARED_DATA
    ? resolve(process.env.SPINELAB_SHARED_DATA)
    : resolve(projectRoot(), '..', 'shared', 'data');
  return existsSync(dir) ? dir : null;
}
