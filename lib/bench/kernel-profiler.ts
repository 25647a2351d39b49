import * as tf from '@tensorflow/tfjs';

export interface KernelTime {
  kernel: string;
  /** Exclusive wall-clock ms (time in nested kernels is charged to them). */
  ms: number;
  /** Exclusive process CPU ms: steadier than `ms` when other processes share the cores. */
  cpuMs: number;
  calls: number;
}

/**
 * Wall-clock and CPU time per kernel on the active backend, by wrapping every registered kernel function for the
 * duration of `run`. Exclusive times, so nested kernels are not double-counted (tf.profile does).
 * Kernels that call other kernels directly (not through the engine) are charged as a whole.
 */
export class KernelProfiler {
  private readonly times = new Map<string, KernelTime>();

  run(fn: () => void): void {
    const backend = tf.getBackend();
    const originals = tf.getKernelsForBackend(backend);
    const stack: Array<[number, number]> = [];
    const cpuNow = () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    };
    for (const cfg of originals) {
      const inner = cfg.kernelFunc;
      const wrapped: tf.KernelFunc = (args) => {
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
          }
          const e = this.times.get(cfg.kernelName) ?? { kernel: cfg.kernelName, ms: 0, cpuMs: 0, calls: 0 };
          e.ms += total - nested[0];
          e.cpuMs += cpu - nested[1];
          e.calls++;
          this.times.set(cfg.kernelName, e);
        }
      };
      tf.unregisterKernel(cfg.kernelName, backend);
      tf.registerKernel({ ...cfg, kernelFunc: wrapped });
    }
    try {
      fn();
    } finally {
      for (const cfg of originals) {
        tf.unregisterKernel(cfg.kernelName, backend);
        tf.registerKernel(cfg);
      }
    }
  }

  top(n: number): KernelTime[] {
    return [...this.times.values()].sort((a, b) => b.ms - a.ms).slice(0, n);
  }
}
