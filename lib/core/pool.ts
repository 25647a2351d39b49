/**
 * A small worker-thread pool for independent tasks (a series to convert, a study to generate): each
 * worker runs one task at a time; a worker that dies (crash, out of memory) fails only its current
 * task and is replaced. The worker module calls {@link serveTasks} with its handler.
 */
import { availableParallelism } from 'node:os';
import { parentPort, Worker } from 'node:worker_threads';
import { asError, UsageError } from './errors.js';

export type TaskOutcome<R> = { ok: true; value: R } | { ok: false; error: string };

type Request<T> = { id: number; task: T };
type Reply<R> = { id: number } & TaskOutcome<R>;

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

/**
 * Run `tasks` in `nWorkers` worker threads loading `entry` (a module URL that calls
 * {@link serveTasks}); `onDone` gets every task's outcome in completion order. Resolves when all
 * tasks are done; never rejects (a failure is an outcome).
 */
export function runInWorkers<T, R>(entry: string, tasks: readonly T[], nWorkers: number, onDone: (task: T, outcome: TaskOutcome<R>) => void): Promise<void> {
  return new Promise((resolve) => {
    let next = 0;
    let finished = 0;
    if (!tasks.length) return resolve();
    const spawn = () => {
      const worker = new Worker(BOOT, { workerData: { entry } });
      let current = -1;
      let settled = false;
      const feed = () => {
        if (next >= tasks.length) {
          current = -1;
          void worker.terminate();
          return;
        }
        current = next++;
        worker.postMessage({ id: current, task: tasks[current] } satisfies Request<T>);
      };
      const complete = (id: number, outcome: TaskOutcome<R>) => {
        onDone(tasks[id], outcome);
        if (++finished === tasks.length) resolve();
      };
      worker.on('message', (reply: Reply<R>) => {
        const { id, ...outcome } = reply;
        complete(id, outcome);
        feed();
      });
      const die = (why: string) => {
        if (settled) return;
        settled = true;
        if (current >= 0) {
          const id = current;
          current = -1;
          complete(id, { ok: false, error: `worker died: ${why}` });
          if (next < tasks.length) spawn();
        }
      };
      worker.on('error', (e) => die(e.message));
      worker.on('exit', (code) => die(`exit code ${code}`));
      feed();
    };
    for (let i = 0; i < Math.min(nWorkers, tasks.length); i++) spawn();
  });
}

/** Worker side of {@link runInWorkers}: answer each task with `handler`'s result or its error. */
export function serveTasks<T, R>(handler: (task: T) => R | Promise<R>): void {
  if (!parentPort) throw new Error('serveTasks: not in a worker thread');
  const port = parentPort;
  port.on('message', async ({ id, task }: Request<T>) => {
    let reply: Reply<R>;
    try {
      reply = { id, ok: true, value: await handler(task) };
    } catch (e) {
      reply = { id, ok: false, error: asError(e).message };
    }
    port.postMessage(reply);
  });
}

/** `$SPINELAB_WORKERS` when set (a positive integer), else the number of cores. */
export function defaultWorkers(): number {
  const env = process.env.SPINELAB_WORKERS;
  if (env !== undefined && env !== '') {
    if (!/^\d+$/.test(env.trim())) throw new UsageError(`SPINELAB_WORKERS must be a positive integer, got "${env}"`);
    return checkWorkers(Number(env), 'SPINELAB_WORKERS');
  }
  return availableParallelism();
}

export function checkWorkers(n: number, what = 'workers'): number {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer, got ${n}`);
  return n;
}
