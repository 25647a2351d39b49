import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { installKernelSendQueue } from './send-queue.js';

/** A Jupyter display message as tslab's writer takes it. */
export interface DisplayMessage {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}
export type DisplayWriter = (msg: DisplayMessage, update: boolean) => void;

const require = createRequire(import.meta.url);
const JUPYTER_MODULE = ['tslab', 'dist', 'jupyter.js'].join(sep);
let override: DisplayWriter | null | undefined;
let modules: NodeJS.Module[] | null = null;

// A kernel registered without our preload (a plain `tslab install`) gets the send queue when a
// notebook first imports lib/notebook (every notebook's first cell does): the sockets exist by
// then, and the queue patches their prototype, so it applies from the next send on.
if (process.env.SPINELAB_KERNEL_SEND_QUEUE !== '0' && Object.keys(require.cache).some((k) => k.endsWith(JUPYTER_MODULE))) {
  installKernelSendQueue();
}

/**
 * tslab's internal display writer (sends display_data / update_display_data with any MIME bundle),
 * or null outside a tslab kernel. Found in Node's module cache, never by importing tslab: lib must
 * load in the CLI and vitest, where tslab is not running. tslab swaps the writer for every cell,
 * so it is read at each call. A global and a local tslab may both be loaded; only the one running
 * the kernel has a writer set.
 */
export function kernelWriter(): DisplayWriter | null {
  if (override !== undefined) return override;
  if (modules === null) {
    modules = Object.entries(require.cache)
      .filter(([key]) => key.endsWith(JUPYTER_MODULE))
      .map(([, mod]) => mod as NodeJS.Module);
  }
  for (const mod of modules) {
    const w = (mod.exports as { lastWriteDisplayData?: unknown }).lastWriteDisplayData;
    if (typeof w === 'function') return w as DisplayWriter;
  }
  return null;
}

/** True inside a tslab kernel (rich displays possible). */
export function inKernel(): boolean {
  return kernelWriter() !== null;
}

/**
 * Replace the writer (tests, or a host that collects displays itself); `undefined` restores the
 * module-cache lookup.
 */
export function setDisplayWriter(writer: DisplayWriter | null | undefined): void {
  override = writer;
  modules = null;
}
