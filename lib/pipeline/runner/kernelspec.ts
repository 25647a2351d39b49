import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../core/paths.js';
import { kernelArgv } from './kernel-client.js';

/**
 * Write the project's tslab kernel spec under `{prefix}/share/jupyter/kernels/tslab` (what
 * `node tools/install-kernel.mjs --prefix DIR` writes; that script exists so `npm run kernel`
 * works without tsx). Returns the JUPYTER_PATH entry to use.
 */
export function writeKernelSpec(prefix = join(projectRoot(), '.jupyter'), name = 'tslab'): string {
  const base = join(prefix, 'share', 'jupyter');
  const dir = join(base, 'kernels', name);
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: kernelArgv('{connection_file}'),
    display_name: 'TypeScript',
    language: 'typescript',
    metadata: { spinelab: { root: projectRoot() } },
  };
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n');
  return base;
}
