// Preloaded into the tslab kernel by its argv (`--import`, after tsx's loader; see
// runner/kernel-argv.mjs): one send at a time on the kernel's zeromq sockets
// (send-queue.ts), installed before tslab loads zeromq.
//
// Plain JavaScript, because worker threads inherit the kernel's execArgv without tsx's hooks (a
// .ts preload made every prepare worker die with "Unknown file extension .ts"). Workers have no
// sockets to queue, so there it does nothing; a failure to load is reported, never fatal.
// SPINELAB_KERNEL_SEND_QUEUE=0 leaves tslab's sends as they are (to reproduce the fault).
import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.env.SPINELAB_KERNEL_SEND_QUEUE !== '0') {
  try {
    const { installKernelSendQueue } = await import('./send-queue.ts');
    installKernelSendQueue();
  } catch (e) {
    writeSync(2, `spinelab kernel: send queue not installed (${e instanceof Error ? e.message : e})\n`);
  }
}
