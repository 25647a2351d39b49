import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/core/paths.js';
import { KernelClient, type KernelMessage } from '../../lib/notebook/runner/kernel-client.js';
import { outputText, readNotebook, writeNotebook, type Notebook } from '../../lib/notebook/runner/nbformat.js';
import { runNotebooks, SYSTEM_PYTHON } from '../../lib/notebook/runner/run.js';

/**
 * A tslab kernel under a flood of outputs (issue 13). tslab sends without awaiting and zeromq.js
 * throws EBUSY for a second send in flight, so before the kernel's send queue
 * (lib/notebook/send-queue.ts) such a cell lost its outputs after about 500 messages, never
 * reported `idle`, and with the WASM backend loaded (its handlers rethrow) the kernel could die.
 * Reproduce the old behaviour with SPINELAB_KERNEL_SEND_QUEUE=0 in the environment: these tests
 * then fail.
 */
const root = projectRoot();
// Inside the project so the kernel resolves @spinelab/lib from the notebook's folder.
const work = join(root, 'output', 'test-kernel-stress');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LINES = 3000;
const SETUP = `import 'tsx/cjs';
import { display, notebookProgress, printBackend } from '@spinelab/lib/notebook';
await printBackend();`;
// As fast as it can: a stdout line each step, tslab's own display updated every third step, one of
// ours every fifth (not throttled), a progress bar every step (throttled), a yield every 50.
const STRESS = `import * as tslab from 'tslab';
const tslabDisplay = tslab.newDisplay();
const ours = display({ 'text/plain': 'ours -1' });
const bar = notebookProgress('stress');
for (let i = 0; i < ${LINES}; i++) {
  console.log('line ' + i);
  if (i % 3 === 0) tslabDisplay.text('tslab ' + i);
  if (i % 5 === 0) ours.update({ 'text/plain': 'ours ' + i });
  bar({ label: 'loop', done: i + 1, total: ${LINES} });
  if (i % 50 === 49) await new Promise((r) => setImmediate(r));
}
console.log('LAST LINE');`;
// The next cell also starts an ES module worker thread, as lib's prepare pool does: workers inherit
// the kernel's execArgv, preload included, without tsx's hooks.
const NEXT = `import { Worker } from 'node:worker_threads';
const code = "import { parentPort } from 'node:worker_threads'; parentPort.postMessage('worker ok');";
const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)));
console.log(await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); }));
console.log('next cell ' + (6 * 7));`;
const LAST_TSLAB = `tslab ${3 * Math.floor((LINES - 1) / 3)}`;
const LAST_OURS = `ours ${5 * Math.floor((LINES - 1) / 5)}`;
const expectedLines = [...Array.from({ length: LINES }, (_, i) => `line ${i}`), 'LAST LINE'];

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

const HAS_NBCLIENT = existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import nbclient'], { stdio: 'ignore' }).status === 0;
if (!HAS_NBCLIENT) console.warn(`[spinelab tests] skipped: the Jupyter runner stress test needs ${SYSTEM_PYTHON} with nbclient (apt-get install python3-nbclient)`);

describe.skipIf(!HAS_NBCLIENT)('tslab kernel under a flood of outputs (Jupyter runner, nbclient)', () => {
  it('executes the same cells with every output and the next cell', async () => {
    mkdirSync(work, { recursive: true });
    const code = (source: string, id: string) => ({ cell_type: 'code' as const, id, metadata: {}, source, outputs: [], execution_count: null });
    const nb: Notebook = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      cells: [code(SETUP, 'setup'), code(STRESS, 'stress'), code(NEXT, 'next')],
    };
    const file = join(work, 'stress.ipynb');
    writeNotebook(file, nb);
    const res = await runNotebooks({ names: [file], runner: 'jupyter', outDir: join(work, 'jupyter'), env: { SPINELAB_BACKEND: 'wasm' } });
    expect(res.runs[0].failure?.stderr ?? '').toBe('');
    expect(res.ok).toBe(true);
    const [, stress, next] = readNotebook(res.runs[0].out).cells;
    const stdout = stress.outputs!.filter((o) => o.output_type === 'stream' && o.name === 'stdout').map(outputText).join('');
    expect(stdout.split('\n').filter(Boolean)).toEqual(expectedLines);
    expect(stress.outputs!.filter((o) => o.output_type === 'stream' && o.name === 'stderr')).toEqual([]);
    // nbclient applies update_display_data to the output in place: the final states are kept.
    const shown = stress.outputs!.filter((o) => o.output_type === 'display_data').map((o) => [o.data!['text/plain']].flat().join(''));
    expect(shown).toContain(LAST_TSLAB);
    expect(shown).toContain(LAST_OURS);
    expect(shown.some((s) => s.startsWith(`stress: loop ${LINES}/${LINES} (100%)`)), shown.join('\n')).toBe(true);
    expect(next.outputs!.map(outputText).join('')).toBe('worker ok\nnext cell 42\n');
  });
});
