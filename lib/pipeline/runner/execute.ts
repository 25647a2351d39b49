import { dirname, resolve } from 'node:path';
import type { OnProgress } from '../../core/progress.js';
import { KernelClient, type KernelMessage } from './kernel-client.js';
import { cellSource, foldCarriageReturns, outputText, type Cell, type Notebook, type Output } from './nbformat.js';

export interface CellFailure {
  /** Index of the failing cell in the notebook. */
  index: number;
  source: string;
  /** What the cell wrote to stderr (tslab's type errors and stack traces), or the error output. */
  stderr: string;
  reason: 'error' | 'timeout' | 'kernel died' | 'aborted';
}

export interface ExecuteOptions {
  /** Extra environment for the kernel (e.g. SPINELAB_PRESET). */
  env?: Record<string, string>;
  /** Seconds per cell before it is interrupted; default none. */
  cellTimeout?: number;
  onProgress?: OnProgress;
}

export interface ExecuteResult {
  notebook: Notebook;
  ok: boolean;
  failure?: CellFailure;
  seconds: number;
}

/**
 * Execute a notebook top to bottom on a fresh tslab kernel (cwd = the notebook's folder), fill in
 * outputs and execution counts as Jupyter would (streams merged, update_display_data applied to
 * the earlier display), and stop at the first failing cell. The input object is not modified.
 */
export async function executeNotebook(nb: Notebook, file: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
  const started = Date.now();
  const out: Notebook = structuredClone(nb);
  const code = out.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === 'code');
  for (const [c] of code) {
    c.outputs = [];
    c.execution_count = null;
  }
  const label = file.split(/[\\/]/).pop() ?? file;
  const env = { ...process.env, ...opts.env };
  const kernel = await KernelClient.start({ cwd: dirname(resolve(file)), env });
  const displays = new Map<string, Output[]>();
  let failure: CellFailure | undefined;
  try {
    for (let k = 0; k < code.length && !failure; k++) {
      const [cell, index] = code[k];
      opts.onProgress?.({ label, done: k, total: code.length, detail: `cell ${index}` });
      const status = await runCell(kernel, cell, displays, opts.cellTimeout);
      if (status !== 'ok') {
        const errOut = cell.outputs!.find((o) => o.output_type === 'error');
        const stderr = cell.outputs!.filter((o) => o.output_type === 'stream' && o.name === 'stderr').map(outputText).join('') ||
          (errOut ? [`${errOut.ename}: ${errOut.evalue}`, ...(errOut.traceback ?? [])].join('\n') : '') ||
          (status === 'kernel died' ? kernel.log : '');
        failure = { index, source: cellSource(cell), stderr, reason: status };
      }
    }
    if (!failure) opts.onProgress?.({ label, done: code.length, total: code.length });
  } finally {
    await kernel.shutdown();
  }
  for (const [c] of code) for (const o of c.outputs ?? []) if (o.output_type === 'stream') o.text = foldCarriageReturns(outputText(o));
  return { notebook: out, ok: !failure, failure, seconds: (Date.now() - started) / 1000 };
}

type CellStatus = 'ok' | 'error' | 'timeout' | 'kernel died' | 'aborted';

function runCell(kernel: KernelClient, cell: Cell, displays: Map<string, Output[]>, timeout?: number): Promise<CellStatus> {
  const outputs = cell.outputs!;
  let clearPending = false;
  const push = (o: Output) => {
    if (clearPending) {
      outputs.length = 0;
      clearPending = false;
    }
    outputs.push(o);
  };
  return new Promise<CellStatus>((resolve, reject) => {
    let reply: string | null = null;
    let idle = false;
    let timer: NodeJS.Timeout | undefined;
    let msgId = '';
    let done = false;
    let timedOut = false;
    const finish = (s: CellStatus) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      if (msgId) kernel.forget(msgId);
      resolve(timedOut && s !== 'ok' ? 'timeout' : s);
    };
    const onMessage = (m: KernelMessage, channel: 'shell' | 'iopub') => {
      const c = m.content;
      const type = m.header.msg_type;
      if (type === 'kernel_died') return finish('kernel died');
      if (channel === 'shell') {
        if (type !== 'execute_reply') return;
        reply = String(c.status);
        if (typeof c.execution_count === 'number') cell.execution_count = c.execution_count;
      } else if (type === 'status') {
        if (c.execution_state === 'idle') idle = true;
      } else if (type === 'stream') {
        const last = outputs[outputs.length - 1];
        if (!clearPending && last?.output_type === 'stream' && last.name === c.name) last.text = outputText(last) + String(c.text);
        else push({ output_type: 'stream', name: c.name as 'stdout' | 'stderr', text: String(c.text) });
      } else if (type === 'display_data' || type === 'execute_result') {
        const o: Output = { output_type: type, data: c.data as Record<string, unknown>, metadata: (c.metadata ?? {}) as Record<string, unknown> };
        if (type === 'execute_result') o.execution_count = c.execution_count as number;
        push(o);
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        if (id) displays.set(id, [...(displays.get(id) ?? []), o]);
      } else if (type === 'update_display_data') {
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        for (const o of (id && displays.get(id)) || []) {
          o.data = c.data as Record<string, unknown>;
          o.metadata = (c.metadata ?? {}) as Record<string, unknown>;
        }
      } else if (type === 'error') {
        push({ output_type: 'error', ename: String(c.ename), evalue: String(c.evalue), traceback: (c.traceback ?? []) as string[] });
      } else if (type === 'clear_output') {
        if (c.wait) clearPending = true;
        else outputs.length = 0;
      }
      // Done once the reply is in and iopub went idle for this request (all outputs flushed).
      if (reply !== null && idle) finish(reply === 'ok' ? 'ok' : reply === 'abort' ? 'aborted' : 'error');
    };
    kernel.request('execute_request', {
      code: cellSource(cell), silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true,
    }, onMessage).then((id) => {
      msgId = id;
      if (done) kernel.forget(id);
      else if (timeout && timeout > 0) {
        timer = setTimeout(() => {
          timedOut = true;
          // tslab runs cells with vm's breakOnSigint: SIGINT stops even a synchronous loop.
          kernel.interrupt();
          setTimeout(() => finish('timeout'), 5000);
        }, timeout * 1000);
      }
    }, reject);
  });
}
