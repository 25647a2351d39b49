import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  /** Exclusive wall-clock ms (time in nested kernels is charged to them). */
  ms: number;
  /** Exclusive process CPU ms: steadier than `ms` when other processes share the cores. */
  cpuMs: number;
  calls: number;
}

const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/**
 * Wall-clock and CPU time per kernel on the active backend, by wrapping every registered kernel
 * function between `start()` and `stop()` (or for the duration of `run`). Exclusive times, so nested
 * kernels are not double-counted (tf.profile does). Kernels that call other kernels directly (not
 * through the engine) are charged as a whole: our WASM gradient kernels count with their JS side.
 * `recording = false` lets calls through untimed (e.g. outside the part of a step being measured).
 * Used by `spinelab train --profile` and `spinelab bench --profile`.
 */
export class KernelProfiler {
  private readonly times = new Map<string, KernelTime>();
  private originals: tf.KernelConfig[] | null = null;
  private backend = '';
  /** Timed kernel ms so far, all kernels together. */
  totalMs = 0;
  recording = true;

  start(): void {
    if (this.originals) return;
    this.backend = tf.getBackend();
    this.originals = tf.getKernelsForBackend(this.backend);
    // [wall, cpu] ms of the nested kernels of each kernel on the stack.
    const stack: Array<[number, number]> = [];
    for (const cfg of this.originals) {
      const inner = cfg.kernelFunc;
      const wrapped: tf.KernelFunc = (args) => {
        if (!this.recording) return inner(args);
        stack.push([0, 0]);
        const t0 = performance.now();
        const c0 = cpuNow();
        try {
          return inner(args);
        } finally {
          const total = performance.now() - t0;
          const cpu = cpuNow() - c0;
          const nested = stack.pop() ?? [0, 0];
          if (stack.length) {
            stack[stack.length - 1][0] += total;
            stack[stack.length - 1][1] += cpu;
          } else this.totalMs += total;
          const e = this.times.get(cfg.kernelName) ?? { kernel: cfg.kernelName, ms: 0, cpuMs: 0, calls: 0 };
          e.ms += total - nested[0];
          e.cpuMs += cpu - nested[1];
          e.calls++;
          this.times.set(cfg.kernelName, e);
        }
      };
      tf.unregisterKernel(cfg.kernelName, this.backend);
      tf.registerKernel({ ...cfg, kernelFunc: wrapped });
    }
  }

  stop(): void {
    if (!this.originals) return;
    for (const cfg of this.originals) {
      tf.unregisterKernel(cfg.kernelName, this.backend);
      tf.registerKernel(cfg);
    }
    this.originals = null;
  }

  run(fn: () => void): void {
    this.start();
    try {
      fn();
    } finally {
      this.stop();
    }
  }

  top(n: number): KernelTime[] {
    return [...this.times.values()].sort((a, b) => b.ms - a.ms).slice(0, n);
  }
}
