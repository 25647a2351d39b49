// The tslab kernel's command line, in plain JavaScript so that both tools/install-kernel.mjs
// (`npm run kernel`, Node only, no tsx) and the runners (kernel-client.ts) build it from here.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * node + tsx's full loader (its require() and import() hooks, so lib/*.ts loads however it is
 * reached: notebook imports become require(), lib uses lazy import()) + our preload (one send at
 * a time on the kernel's zeromq sockets, lib/notebook/kernel-preload.mjs; after tsx, which
 * compiles the TypeScript it loads) + this checkout's tslab.
 * @param {string} connectionFile
 * @param {string} root the project root
 * @returns {string[]}
 */
export function kernelArgv(connectionFile, root) {
  return [
    process.execPath, '--enable-source-maps',
    '--import', pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
    '--import', pathToFileURL(join(root, 'lib', 'notebook', 'kernel-preload.mjs')).href,
    join(root, 'node_modules', 'tslab', 'bin', 'tslab'), 'kernel', '--config-path', connectionFile,
  ];
}

/**
 * The files the argv names that `npm ci` installs; a missing one means npm ci has not run.
 * @param {string} root
 * @returns {string[]}
 */
export function missingKernelFiles(root) {
  return [join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs'), join(root, 'node_modules', 'tslab', 'bin', 'tslab')].filter((f) => !existsSync(f));
}
