import { mkdirSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { KernelClient, type KernelMessage } from '../../lib/pipeline/runner/kernel-client.js';
import { expectedLines, LAST_OURS, LAST_TSLAB, LINES, NEXT, SETUP, STRESS, stressWork } from './stress-cells.js';

/**
 * A tslab kernel under a flood of outputs (issue 13). tslab sends without awaiting and zeromq.js
 * throws EBUSY for a second send in flight, so before the kernel's send queue
 * (lib/notebook/send-queue.ts) such a cell lost its outputs after about 500 messages, never
 * reported `idle`, and with the WASM backend loaded (its handlers rethrow) the kernel could die.
 * Reproduce the old behaviour with SPINELAB_KERNEL_SEND_QUEUE=0 in the environment: these tests
 * then fail.
 */
const work = stressWork('node');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Collected {
  iopub: KernelMessage[];
  reply?: KernelMessage;
  idle: boolean;
}

/** Run one cell; resolves once its execute_reply and `idle` arrived, or at the deadline. */
async function execute(k: KernelClient, code: string, deadlineMs: number): Promise<Collected> {
  const got: Collected = { iopub: [], idle: false };
  await k.request('execute_request', { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false }, (m, ch) => {
    if (ch === 'shell') got.reply = m;
    else {
      got.iopub.push(m);
      if (m.header.msg_type === 'status' && m.content.execution_state === 'idle') got.idle = true;
    }
  });
  const end = Date.now() + deadlineMs;
  while (!(got.reply && got.idle) && !k.exited && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return got;
}

/** Per display: the last data shown (display_data, then its update_display_data) and how many messages. */
function displayStates(msgs: KernelMessage[]): Map<string, { text: string; messages: number }> {
  const states = new Map<string, { text: string; messages: number }>();
  for (const m of msgs) {
    if (m.header.msg_type !== 'display_data' && m.header.msg_type !== 'update_display_data') continue;
    const id = (m.content.transient as { display_id?: string } | undefined)?.display_id;
    if (id) states.set(id, { text: String((m.content.data as Record<string, unknown>)['text/plain']), messages: (states.get(id)?.messages ?? 0) + 1 });
  }
  return states;
}

function stdoutLines(msgs: KernelMessage[]): string[] {
  const text = msgs.filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stdout').map((m) => String(m.content.text)).join('');
  return text.split('\n').filter(Boolean);
}

describe('tslab kernel under a flood of outputs (node client)', () => {
  it('keeps every output, the final states and the idle status while the client reads slowly, and runs the next cell', async () => {
    mkdirSync(work, { recursive: true });
    // A slow frontend: 1 ms after each iopub message, so the iopub high-water mark is reached.
    const k = await KernelClient.start({ cwd: work, env: { ...process.env, SPINELAB_BACKEND: 'wasm' }, iopubDelayMs: 1 });
    try {
      const setup = await execute(k, SETUP, 60_000);
      expect(setup.reply?.content.status, k.log).toBe('ok');
      expect(stdoutLines(setup.iopub).join('\n')).toMatch(/on wasm/);

      // Shell requests while the cell runs: each is answered, and its busy/idle statuses are
      // published on iopub in between the cell's outputs.
      let stop = false;
      const side: Promise<boolean>[] = [];
      const sideRequests = (async () => {
        for (let i = 0; !stop && !k.exited; i++) {
          await new Promise((r) => setTimeout(r, 150));
          side.push(new Promise<boolean>((resolve) => {
            const type = i % 2 ? 'is_complete_request' : 'kernel_info_request';
            const timer = setTimeout(() => resolve(false), 30_000);
            void k.request(type, i % 2 ? { code: 'const x = 1;' } : {}, (m, ch) => {
              if (ch === 'shell' && m.header.msg_type === type.replace('_request', '_reply')) {
                clearTimeout(timer);
                resolve(true);
              }
            });
          }));
        }
      })();
      const stress = await execute(k, STRESS, 60_000);
      stop = true;
      await sideRequests;

      expect(k.exited, `kernel died:\n${k.log.slice(-2000)}`).toBe(false);
      const lines = stdoutLines(stress.iopub);
      expect(lines.length, `last line received: ${lines.at(-1)}`).toBe(expectedLines.length);
      expect(lines).toEqual(expectedLines);
      expect(stress.reply?.content.status).toBe('ok');
      expect(stress.idle).toBe(true);
      expect(stress.iopub.filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stderr')).toEqual([]);
      const states = [...displayStates(stress.iopub).values()];
      const texts = states.map((d) => d.text);
      expect(texts).toContain(LAST_TSLAB);
      expect(texts).toContain(LAST_OURS);
      const bar = states.find((d) => d.text.startsWith('stress: loop'));
      expect(bar?.text, texts.join('\n')).toMatch(new RegExp(`^stress: loop ${LINES}/${LINES} \\(100%\\)`));
      // The progress bar coalesces its 3,000 events into a few updates a second.
      expect(bar!.messages).toBeLessThan(LINES / 10);
      expect(side.length).toBeGreaterThan(0);
      expect(await Promise.all(side)).not.toContain(false);

      const next = await execute(k, NEXT, 30_000);
      expect(next.reply?.content.status).toBe('ok');
      expect(stdoutLines(next.iopub)).toEqual(['worker ok', 'next cell 42']);
    } finally {
      await k.shutdown();
    }
  });
});
