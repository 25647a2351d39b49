#!/usr/bin/env node
// Registers the project's tslab kernel for Jupyter with Node only (no pip, no Python, no global
// tslab): writes kernels/<name>/kernel.json whose argv runs this checkout's tslab through node
// with tsx preloaded, so notebooks can import lib/*.ts as `@spinelab/lib/<stage>`, and with the
// kernel's send queue preloaded (lib/notebook/kernel-preload.mjs).
//
//   node tools/install-kernel.mjs [--prefix DIR] [--name tslab] [--print]
//     --prefix DIR  install into DIR/share/jupyter/kernels/<name> (set JUPYTER_PATH=DIR/share/jupyter)
//     default       the user's Jupyter data dir ($JUPYTER_DATA_DIR, ~/.local/share/jupyter, …)
//     --print       print kernel.json instead of writing it
// Re-run after changing the Node version (the node path is absolute).
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kernelArgv, missingKernelFiles } from '../lib/pipeline/runner/kernel-argv.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function kernelSpec(name = 'tslab') {
  // lib/pipeline/runner/kernel-argv.mjs builds the argv for both this script and the runners.
  const missing = missingKernelFiles(root);
  if (missing.length) throw new Error(`${missing.join(', ')} missing: run npm ci first`);
  return {
    argv: kernelArgv('{connection_file}', root),
    display_name: 'TypeScript',
    language: 'typescript',
    metadata: { spinelab: { root } },
    name,
  };
}

export function userDataDir() {
  if (process.env.JUPYTER_DATA_DIR) return resolve(process.env.JUPYTER_DATA_DIR);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? homedir(), 'jupyter');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'jupyter');
}

/** Writes the kernel spec; returns the kernel.json path. */
export function installKernel({ prefix, name = 'tslab' } = {}) {
  const base = prefix ? join(resolve(prefix), 'share', 'jupyter') : userDataDir();
  const dir = join(base, 'kernels', name);
  mkdirSync(dir, { recursive: true });
  const spec = kernelSpec(name);
  delete spec.name;
  const file = join(dir, 'kernel.json');
  writeFileSync(file, JSON.stringify(spec, null, 2) + '\n');
  return file;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let args;
  try {
    args = parseArgs({ options: { prefix: { type: 'string' }, name: { type: 'string' }, print: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (e) {
    console.error(`install-kernel: ${e.message}`);
    process.exit(2);
  }
  if (args.help) {
    console.log('Usage: node tools/install-kernel.mjs [--prefix DIR] [--name tslab] [--print]');
  } else if (args.print) {
    console.log(JSON.stringify(kernelSpec(args.name), null, 2));
  } else {
    const file = installKernel({ prefix: args.prefix, name: args.name });
    console.log(`kernel "${args.name ?? 'tslab'}" installed: ${file}`);
    if (args.prefix) console.log(`use it with JUPYTER_PATH=${join(resolve(args.prefix), 'share', 'jupyter')}`);
  }
}
