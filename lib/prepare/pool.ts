/**
 * A small worker-thread pool for series conversion: each worker converts one series at a time;
 * a worker that dies (crash, out of memory) fails only its current series and is replaced.
 */
import { Worker } from 'node:worker_threads';
import type { SeriesTask } from './convert.js';
import type { WorkerReply } from './worker.js';

export type TaskOutcome = { ok: true; frames: number } | { ok: false; error: string };

const BOOT = new URL('../core/worker-boot.mjs', import.meta.url);
const ENTRY = new URL('./worker.ts', import.meta.url).href;

export function runInWorkers(tasks: readonly SeriesTask[], nWorkers: number, onDone: (task: SeriesTask, outcome: TaskOutcome) => void): Promise<void> {
  return new Promise((resolve) => {
    let next = 0;
    let finished = 0;
    if (!tasks.length) return resolve();
    const spawn = () => {
      const worker = new Worker(BOOT, { workerData: { entry: ENTRY } });
      let current = -1;
      let settled = false;
      const feed = () => {
        if (next >= tasks.length) {
          current = -1;
          void worker.terminate();
          return;
        }
        current = next++;
        worker.postMessage({ id: current, task: tasks[current] });
      };
      const complete = (id: number, outcome: TaskOutcome) => {
        onDone(tasks[id], outcome);
        if (++finished === tasks.length) resolve();
      };
      worker.on('message', (reply: WorkerReply) => {
        complete(reply.id, reply.ok ? { ok: true, frames: reply.frames } : { ok: false, error: reply.error });
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
