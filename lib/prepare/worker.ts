/** Worker thread: converts the series it is sent, one at a time, and reports each result. */
import { parentPort } from 'node:worker_threads';
import { asError } from '../core/errors.js';
import { convertSeries, type SeriesTask } from './convert.js';

export type WorkerReply = { id: number; ok: true; frames: number } | { id: number; ok: false; error: string };

parentPort!.on('message', async ({ id, task }: { id: number; task: SeriesTask }) => {
  let reply: WorkerReply;
  try {
    const sidecar = await convertSeries(task);
    reply = { id, ok: true, frames: sidecar.frames.length };
  } catch (e) {
    reply = { id, ok: false, error: asError(e).message };
  }
  parentPort!.postMessage(reply);
});
