import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { projectRoot } from '../../lib/core/paths.js';
import { writeKernelSpec } from '../../lib/pipeline/runner/kernelspec.js';

const dir = mkdtempSync(join(tmpdir(), 'spinelab-kernelspec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = projectRoot();

it('npm run kernel (Node only) and the runners register the same tslab kernel', () => {
  const r = spawnSync(process.execPath, [join(root, 'tools', 'install-kernel.mjs'), '--prefix', join(dir, 'a')], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain(`JUPYTER_PATH=${join(dir, 'a', 'share', 'jupyter')}`);
  const fromScript = JSON.parse(readFileSync(join(dir, 'a', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json'), 'utf8'));
  const base = writeKernelSpec(join(dir, 'b'));
  const fromLib = JSON.parse(readFileSync(join(base, 'kernels', 'tslab', 'kernel.json'), 'utf8'));
  expect(fromScript).toEqual(fromLib);
  expect(fromLib.argv[0]).toBe(process.execPath);
  expect(fromLib.argv).toContain('{connection_file}');
  expect(fromLib.argv).toContain(join(root, 'node_modules', 'tslab', 'bin', 'tslab'));
  // the send queue is preloaded after tsx (which compiles what it loads) and before tslab
  const at = (x: string) => fromLib.argv.indexOf(x);
  const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const preload = pathToFileURL(join(root, 'lib', 'notebook', 'kernel-preload.mjs')).href;
  expect(at(tsx)).toBeGreaterThan(0);
  expect(at(preload)).toBeGreaterThan(at(tsx));
  expect(at(join(root, 'node_modules', 'tslab', 'bin', 'tslab'))).toBeGreaterThan(at(preload));
  expect(fromLib).toMatchObject({ display_name: 'TypeScript', language: 'typescript' });
});

it('install-kernel rejects unknown flags', () => {
  const r = spawnSync(process.execPath, [join(root, 'tools', 'install-kernel.mjs'), '--bogus'], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/install-kernel: .*bogus/);
});
