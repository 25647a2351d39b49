// Preloaded into the tslab kernel by its argv (`--import` after tsx's loader; see kernelArgv in
// runner/kernel-client.ts and tools/install-kernel.mjs): one send at a time on the kernel's
// zeromq sockets, installed before tslab loads zeromq. SPINELAB_KERNEL_SEND_QUEUE=0 leaves
// tslab's sends as they are (to reproduce the fault it prevents).
import { installKernelSendQueue } from './send-queue.js';

if (process.env.SPINELAB_KERNEL_SEND_QUEUE !== '0') installKernelSendQueue();
