/**
 * A prefetching batch loader, as PyTorch's DataLoader with one worker: a thread that makes the
 * training batches of a fold (sampling, augmentation, frame assembly, resizing: the dataset's
 * `hostBatch`) `depth` steps ahead of the training thread and hands over their arrays without a
 * copy. It draws from the same random streams in the same order as the training thread would
 * (batches.ts), so the batches, and the weights, are the same as without it.
 * It pays only on a core the trainers leave free (README, Performance): trainModels starts one
 * per training thread when there are at least twice as many cores as training threads.
 */
import { Worker } from 'node:worker_threads';
import type { FoldPlan } from './loop.js';
import type { TaskRef } from './parallel.js';
import type { HostBatch, TrainConfig } from './types.js';

export type LoaderRequest =
  | { type: 'fold'; token: number; key: number; ref?: TaskRef; config: TrainConfig; fold: FoldPlan['fold']; trainIdx: number[]; depth: number }
  | { type: 'credit'; token: number };

export type LoaderReply = { type: 'batch'; token: number; batch: HostBatch } | { type: 'failed'; token: number; error: string };

const BOOT = new URL('../core/worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./loader-worker.ts', import.meta.url).href;

export class BatchLoader {
  private readonly worker: Worker;
  private readonly sent = new Set<number>();
  private token = 0;
  private queue: HostBatch[] = [];
  private waiter: { resolve: (b: HostBatch) => void; reject: (e: Error) => void } | null = null;
  private error: Error | null = null;

  constructor() {
    this.worker = new Worker(BOOT, { workerData: { entry: ENTRY } });
    this.worker.on('message', (m: LoaderReply) => {
      if (m.token !== this.token) return; // a batch of a fold that ended early
      if (m.type === 'failed') return this.fail(new Error(`batch loader: ${m.error}`));
      if (this.waiter) {
        this.waiter.resolve(m.batch);
        this.waiter = null;
        this.credit();
      } else this.queue.push(m.batch);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`the batch loader thread ended (exit code ${code})`)));
  }

  /**
   * Start making the training batches of a fold. `key` names the model (its task is rebuilt from
   * `ref` once per loader); `trainIdx` and `config` as the fold's training loop has them.
   */
  start(key: number, ref: TaskRef, config: TrainConfig, plan: FoldPlan, depth = 2): void {
    this.token += 1;
    this.queue = [];
    this.error = null;
    const msg: LoaderRequest = { type: 'fold', token: this.token, key, ref: this.sent.has(key) ? undefined : ref, config, fold: plan.fold, trainIdx: plan.trainIdx, depth };
    this.sent.add(key);
    this.worker.postMessage(msg);
  }

  /** The next training batch of the fold, in step order. */
  next(): Promise<HostBatch> {
    if (this.error) return Promise.reject(this.error);
    const b = this.queue.shift();
    if (b) {
      this.credit();
      return Promise.resolve(b);
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Drop what is left of the current fold (its later batches are discarded when they arrive). */
  stop(): void {
    this.token += 1;
    this.queue = [];
  }

  close(): Promise<number> {
    this.error = new Error('batch loader closed');
    return this.worker.terminate();
  }

  private credit(): void {
    this.worker.postMessage({ type: 'credit', token: this.token } satisfies LoaderRequest);
  }

  private fail(e: Error): void {
    if (this.error) return;
    this.error = e;
    this.waiter?.reject(e);
    this.waiter = null;
  }
}
