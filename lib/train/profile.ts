import { KernelProfiler } from '../engine/profile.js';
import type { TrainProfile } from './types.js';

/**
 * Times the parts of a fold's training steps (`TrainOptions.profile`): kernels are wrapped for the
 * whole fold but timed only inside training steps, so the kernel list is the step's.
 */
export class StepTimer {
  private readonly kernels = new KernelProfiler();
  private t0 = 0;
  private t1 = 0;
  private k0 = 0;
  private steps = 0;
  private dataMs = 0;
  private kernelMs = 0;
  private jsMs = 0;
  private evalMs = 0;

  constructor() {
    this.kernels.recording = false;
    this.kernels.start();
  }

  begin(): void {
    this.t0 = performance.now();
  }

  dataDone(): void {
    this.t1 = performance.now();
    this.dataMs += this.t1 - this.t0;
    this.k0 = this.kernels.totalMs;
    this.kernels.recording = true;
  }

  stepDone(): void {
    this.kernels.recording = false;
    const step = performance.now() - this.t1;
    const k = this.kernels.totalMs - this.k0;
    this.kernelMs += k;
    this.jsMs += step - k;
    this.steps += 1;
  }

  evalDone(ms: number): void {
    this.evalMs += ms;
  }

  finish(wallMs: number): TrainProfile {
    return {
      folds: 1, steps: this.steps, dataMs: this.dataMs, kernelMs: this.kernelMs, jsMs: this.jsMs, evalMs: this.evalMs, wallMs,
      kernels: this.kernels.top(12),
    };
  }

  stop(): void {
    this.kernels.stop();
  }
}

/** Sum of several folds' profiles (the kernel lists merged by name). */
export function mergeProfiles(ps: readonly TrainProfile[]): TrainProfile {
  const kernels = new Map<string, { kernel: string; ms: number; calls: number }>();
  for (const p of ps) {
    for (const k of p.kernels) {
      const e = kernels.get(k.kernel) ?? { kernel: k.kernel, ms: 0, calls: 0 };
      e.ms += k.ms;
      e.calls += k.calls;
      kernels.set(k.kernel, e);
    }
  }
  const sum = (f: (p: TrainProfile) => number) => ps.reduce((a, p) => a + f(p), 0);
  return {
    folds: sum((p) => p.folds), steps: sum((p) => p.steps), dataMs: sum((p) => p.dataMs), kernelMs: sum((p) => p.kernelMs),
    jsMs: sum((p) => p.jsMs), evalMs: sum((p) => p.evalMs), wallMs: sum((p) => p.wallMs),
    kernels: [...kernels.values()].sort((a, b) => b.ms - a.ms).slice(0, 12),
  };
}

/** `crop_all: 480 steps, 345 ms/step = data 13 % · kernels 60 % · tfjs JS 27 %; eval 12 s; wall 180 s` + top kernels. */
export function formatProfile(name: string, p: TrainProfile): string {
  const step = p.dataMs + p.kernelMs + p.jsMs;
  const pc = (v: number) => `${step > 0 ? Math.round((100 * v) / step) : 0} %`;
  const per = p.steps ? step / p.steps : 0;
  const lines = [
    `${name}: ${p.folds} fold(s), ${p.steps} steps, ${per.toFixed(0)} ms/step = data ${pc(p.dataMs)} · kernels ${pc(p.kernelMs)} · tfjs JS ${pc(p.jsMs)}; ` +
      `evaluation ${(p.evalMs / 1000).toFixed(1)} s; wall ${(p.wallMs / 1000).toFixed(1)} s`,
    `  heaviest kernels (ms per step): ${p.kernels.slice(0, 8).map((k) => `${k.kernel} ${(k.ms / Math.max(1, p.steps)).toFixed(1)}`).join(', ')}`,
  ];
  return lines.join('\n');
}
