import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../core/errors.js';
import type { OptimizerConfig, ScheduleConfig } from './types.js';

/**
 * Optimizers with PyTorch 1.13 semantics (torch.optim.AdamW, torch.optim.RAdam, and the
 * reference's Lookahead wrapper), written as tfjs ops over a fixed list of variables. tfjs has no
 * AdamW or RAdam, and its Adam folds ε differently, so none of its built-in optimizers is used.
 * The learning rate is passed per step, which is how the schedule drives them.
 */
export interface StepOptimizer {
  /** One update of `vars` with `grads` (same order) at learning rate `lr`. */
  step(grads: readonly tf.Tensor[], lr: number): void;
  /** Frees the optimizer's state (moments, slow weights). */
  dispose(): void;
}

/**
 * Parameters that get no weight decay: the reference excludes names containing "bias"; tfjs
 * batch-norm layers call their bias "beta", so that is excluded too (Porting note).
 */
export function decays(name: string): boolean {
  const last = name.split('/').pop() ?? name;
  return !name.includes('bias') && !/^beta(_\d+)?$/.test(last);
}

interface Moments {
  m: tf.Variable[];
  v: tf.Variable[];
}

function zerosLike(vars: readonly tf.Variable[]): tf.Variable[] {
  return vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
}

type AdamSettings = Required<Pick<OptimizerConfig, 'betas' | 'eps' | 'weightDecay'>>;

/** The Adam family's state: the step count and the first and second moments of each variable. */
abstract class AdamFamily implements StepOptimizer {
  protected t = 0;
  protected readonly s: Moments;
  constructor(protected readonly vars: readonly tf.Variable[], protected readonly c: AdamSettings) {
    this.s = { m: zerosLike(vars), v: zerosLike(vars) };
  }
  abstract step(grads: readonly tf.Tensor[], lr: number): void;
  /** m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g² for variable i. */
  protected updateMoments(i: number, g: tf.Tensor, b1: number, b2: number): void {
    this.s.m[i].assign(tf.add(tf.mul(this.s.m[i], b1), tf.mul(g, 1 - b1)));
    this.s.v[i].assign(tf.add(tf.mul(this.s.v[i], b2), tf.mul(tf.square(g), 1 - b2)));
  }
  dispose(): void {
    tf.dispose([...this.s.m, ...this.s.v]);
  }
}

/** torch.optim.AdamW: p ← p·(1 − lr·wd); p ← p − lr/bc1 · m / (√v/√bc2 + ε). */
class AdamW extends AdamFamily {
  step(grads: readonly tf.Tensor[], lr: number): void {
    this.t += 1;
    const [b1, b2] = this.c.betas;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = Math.sqrt(1 - b2 ** this.t);
    // One tidy per variable: a model's worth of temporaries at once does not fit the WASM heap
    // for the 73 M-parameter backbones.
    this.vars.forEach((p, i) => tf.tidy(() => {
      const wd = decays(p.name) ? this.c.weightDecay : 0;
      this.updateMoments(i, grads[i], b1, b2);
      const decayed = wd ? tf.mul(p, 1 - lr * wd) : p;
      const denom = tf.add(tf.div(tf.sqrt(this.s.v[i]), bc2), this.c.eps);
      p.assign(tf.sub(decayed, tf.mul(tf.div(this.s.m[i], denom), lr / bc1)));
    }));
  }
}

/**
 * torch.optim.RAdam (1.13): L2 weight decay added to the gradient; rectified adaptive step when
 * ρ_t > 5, plain bias-corrected momentum step before that.
 */
class RAdam extends AdamFamily {
  step(grads: readonly tf.Tensor[], lr: number): void {
    this.t += 1;
    const [b1, b2] = this.c.betas;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = 1 - b2 ** this.t;
    const rhoInf = 2 / (1 - b2) - 1;
    const rhoT = rhoInf - (2 * this.t * b2 ** this.t) / bc2;
    const rect = rhoT > 5 ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
    this.vars.forEach((p, i) => tf.tidy(() => {
      const wd = decays(p.name) ? this.c.weightDecay : 0;
      const g = wd ? tf.add(grads[i], tf.mul(p, wd)) : grads[i];
      this.updateMoments(i, g, b1, b2);
      const mHat = tf.div(this.s.m[i], bc1);
      const update = rhoT > 5
        ? tf.mul(tf.div(mHat, tf.add(tf.sqrt(this.s.v[i]), this.c.eps)), lr * Math.sqrt(bc2) * rect)
        : tf.mul(mHat, lr);
      p.assign(tf.sub(p, update));
    }));
  }
}

/**
 * The reference's Lookahead: after each inner step, when the counter is 0 (steps 1, k+1, 2k+1, …),
 * slow ← slow + α·(fast − slow) and fast ← slow; the slow copy is taken from the fast weights at
 * its first use (after inner step 1, so that first sync changes nothing).
 */
class Lookahead implements StepOptimizer {
  private counter = 0;
  private slow: tf.Variable[] | null = null;
  constructor(private readonly inner: StepOptimizer, private readonly vars: readonly tf.Variable[], private readonly k: number, private readonly alpha: number) {}
  step(grads: readonly tf.Tensor[], lr: number): void {
    this.inner.step(grads, lr);
    if (this.counter === 0) {
      if (!this.slow) this.slow = this.vars.map((v) => tf.tidy(() => tf.variable(v.clone(), false)));
      const slow = this.slow;
      this.vars.forEach((fast, i) => tf.tidy(() => {
        slow[i].assign(tf.add(slow[i], tf.mul(tf.sub(fast, slow[i]), this.alpha)));
        fast.assign(slow[i]);
      }));
    }
    this.counter += 1;
    if (this.counter >= this.k) this.counter = 0;
  }
  dispose(): void {
    this.inner.dispose();
    if (this.slow) tf.dispose(this.slow);
  }
}

export function makeOptimizer(config: OptimizerConfig, vars: readonly tf.Variable[]): StepOptimizer {
  const c = { betas: config.betas ?? [0.9, 0.999] as [number, number], eps: config.eps ?? 1e-8, weightDecay: config.weightDecay ?? 0 };
  if (!(config.lr > 0)) throw new UsageError(`optimizer lr must be > 0, got ${config.lr}`);
  if (config.name === 'adamw') return new AdamW(vars, c);
  if (config.name === 'ranger') return new Lookahead(new RAdam(vars, c), vars, config.lookaheadK ?? 5, config.lookaheadAlpha ?? 0.5);
  throw new UsageError(`unknown optimizer "${String(config.name)}" (expected adamw or ranger)`);
}

/**
 * Learning-rate multiplier for optimizer step `step` (0-based) of `total`, as transformers'
 * get_{linear,cosine}_schedule_with_warmup: linear ramp over the warmup, then linear or half-cosine
 * decay to 0 at `total`. Step 0 without warmup gets the full rate; the last step gets lr/total
 * (linear), as in the reference.
 */
export function lrFactor(step: number, total: number, schedule: ScheduleConfig): number {
  const w = schedule.warmup ?? 0;
  const warmup = w > 0 && w < 1 ? Math.round(w * total) : w;
  if (step < warmup) return step / Math.max(1, warmup);
  if (schedule.kind === 'constant') return 1;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  if (schedule.kind === 'linear') return Math.max(0, 1 - progress);
  if (schedule.kind === 'cosine') return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
  throw new UsageError(`unknown schedule "${String(schedule.kind)}" (expected linear, cosine or constant)`);
}

/**
 * torch.nn.utils.clip_grad_norm_ (1.13): scale all gradients by min(1, max / (‖g‖ + 1e-6)), with
 * ‖g‖ the global L2 norm. Stays on the device (no read-back). Returns new tensors and the norm.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: tf.Scalar } {
  const norm = tf.sqrt(tf.addN(grads.map((g) => tf.tidy(() => tf.sum(tf.square(g)))))) as tf.Scalar;
  if (!(maxNorm > 0)) return { grads: grads.slice(), norm };
  const coef = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
  return { grads: grads.map((g) => tf.mul(g, coef)), norm };
}
