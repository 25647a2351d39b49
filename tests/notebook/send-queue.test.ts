import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { projectRoot } from '../../lib/core/paths.js';
import { createHmac } from 'node:crypto';
import { CLOSE_WAIT_MS, closeAfterDrain, installKernelSendQueue, parseFrames, queueSends, queueZmq, type ZmqModule } from '../../lib/notebook/send-queue.js';

/**
 * The kernel's send queue (lib/notebook/send-queue.ts): first on a fake socket that behaves like
 * zeromq.js (one send in flight, EBUSY for a second), then on tslab's own zeromq, where the fault
 * itself is shown first on an unqueued socket.
 */

const tick = () => new Promise<void>((r) => setImmediate(r));

function busyError(message = 'Socket is busy writing; only one send operation may be in progress at any time'): Error {
  return Object.assign(new Error(message), { code: 'EBUSY', errno: 16 });
}

/** One send in flight, finished on a later macrotask; a second one throws EBUSY synchronously. */
function fakeSocketClass(opts: { failWith?: (msg: string) => Error | null; blockedCalls?: number; never?: boolean } = {}) {
  let blocked = opts.blockedCalls ?? 0;
  class FakeSocket {
    sent: string[] = [];
    busy = false;
    calls = 0;
    send(msg: string): Promise<void> {
      this.calls++;
      if (blocked > 0) {
        blocked--;
        throw busyError('Socket is blocked by a bind or unbind operation');
      }
      if (this.busy) throw busyError();
      this.busy = true;
      return new Promise<void>((resolve, reject) => {
        if (opts.never) return;
        setImmediate(() => {
          this.busy = false;
          const err = opts.failWith?.(msg);
          if (err) return reject(err);
          this.sent.push(msg);
          resolve();
        });
      });
    }
  }
  return FakeSocket;
}

describe('queued sends (fake zeromq socket)', () => {
  it('without the queue a second send in flight throws EBUSY', () => {
    const s = new (fakeSocketClass())();
    void s.send('a');
    expect(() => s.send('b')).toThrow(/busy writing/);
  });

  it('sends one at a time, in order, with nothing thrown', async () => {
    const Fake = fakeSocketClass();
    const reports: string[] = [];
    expect(queueSends(Fake.prototype, { report: (l) => reports.push(l) })).toBe(true);
    expect(queueSends(Fake.prototype)).toBe(false); // idempotent
    const [a, b] = [new Fake(), new Fake()];
    const all: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) all.push(a.send(`a${i}`), b.send(`b${i}`));
    await Promise.all(all);
    expect(a.sent).toEqual(Array.from({ length: 200 }, (_, i) => `a${i}`));
    expect(b.sent).toEqual(Array.from({ length: 200 }, (_, i) => `b${i}`));
    expect(a.calls).toBe(200); // no send was tried while another was in flight
    expect(reports).toEqual([]);
  });

  it('retries a send blocked by a bind (EBUSY) on a later tick', async () => {
    const Fake = fakeSocketClass({ blockedCalls: 3 });
    queueSends(Fake.prototype, { report: () => {} });
    const s = new Fake();
    await Promise.all([s.send('status'), s.send('reply')]);
    expect(s.sent).toEqual(['status', 'reply']);
    expect(s.calls).toBe(5);
  });

  it('reports any other failure instead of rejecting, and goes on with the next message', async () => {
    const Fake = fakeSocketClass({ failWith: (m) => (m === 'bad' ? Object.assign(new Error('Socket is closed'), { code: 'EBADF' }) : null) });
    const reports: string[] = [];
    queueSends(Fake.prototype, { report: (l) => reports.push(l) });
    const s = new Fake();
    await expect(Promise.all([s.send('one'), s.send('bad'), s.send('two')])).resolves.toBeDefined();
    expect(s.sent).toEqual(['one', 'two']);
    expect(reports).toEqual(['message not sent: Socket is closed (send failure 1)']);
  });

  it('bounds the bytes waiting per socket: drops beyond the cap and says how many', async () => {
    let release: (() => void) | undefined;
    class Slow {
      sent: string[] = [];
      send(msg: string): Promise<void> {
        if (msg === 'first') return new Promise<void>((r) => (release = () => (this.sent.push(msg), r())));
        this.sent.push(msg);
        return Promise.resolve();
      }
    }
    const reports: string[] = [];
    queueSends(Slow.prototype, { report: (l) => reports.push(l), maxQueuedBytes: 20 });
    const s = new Slow();
    const sends = [s.send('first'), ...Array.from({ length: 6 }, (_, i) => s.send(`msg${i}`))]; // 5 + 4 × 4 bytes fit
    await tick();
    expect(reports).toEqual(['send queue over 20 bytes (the client reads too slowly): dropping messages (send failure 1)']);
    release!();
    await Promise.all(sends);
    expect(s.sent).toEqual(['first', 'msg0', 'msg1', 'msg2']);
    expect(reports[1]).toBe('send queue drained; 3 message(s) were dropped');
  });

  it('close waits for the queue to drain (the shutdown idle status), or at most CLOSE_WAIT_MS', async () => {
    const Fake = fakeSocketClass();
    class Closable extends Fake {
      closedAt: string[] | null = null;
      close() {
        this.closedAt = [...this.sent];
      }
    }
    queueSends(Fake.prototype, { report: () => {} });
    closeAfterDrain(Closable.prototype);
    const s = new Closable();
    void s.send('busy');
    void s.send('idle');
    s.close();
    expect(s.closedAt).toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(s.closedAt).toEqual(['busy', 'idle']);

    vi.useFakeTimers();
    try {
      class Stuck {
        closed = false;
        send(): Promise<void> {
          return new Promise(() => {}); // a subscriber that never reads
        }
        close() {
          this.closed = true;
        }
      }
      queueSends(Stuck.prototype);
      closeAfterDrain(Stuck.prototype);
      const t = new Stuck();
      void t.send();
      t.close();
      expect(t.closed).toBe(false);
      vi.advanceTimersByTime(CLOSE_WAIT_MS);
      expect(t.closed).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('coalescing (iopub)', () => {
  const KEY = 'secret-key';
  /** A Jupyter message framed and signed as tslab's signAndSend does. */
  function frames(type: string, content: Record<string, unknown>, parent = 'cell-1'): (string | Buffer)[] {
    const body = [{ msg_type: type, msg_id: `${type}-${Math.random()}` }, { msg_id: parent }, {}, content].map((x) => JSON.stringify(x));
    const h = createHmac('sha256', KEY);
    for (const b of body) h.update(b);
    return [Buffer.from('routing-id'), Buffer.from('<IDS|MSG>'), h.digest('hex'), ...body];
  }
  const stream = (text: string, parent?: string) => frames('stream', { name: 'stdout', text }, parent);
  const update = (id: string, v: number) => frames('update_display_data', { data: { 'text/plain': String(v) }, metadata: {}, transient: { display_id: id } });
  /** What a frontend would see of each message sent, after checking its signature. */
  function seen(msg: (string | Buffer)[]): string {
    const p = parseFrames(msg)!;
    const body = msg.slice(p.delim + 2).map(String);
    const h = createHmac('sha256', KEY);
    for (const b of body) h.update(b);
    expect(String(msg[p.delim + 1])).toBe(h.digest('hex'));
    expect(String(msg[0])).toBe('routing-id');
    return p.type === 'stream' ? `${p.parent}:${p.content.text}` : `${p.type}:${JSON.stringify((p.content.data as Record<string, unknown>)['text/plain'])}`;
  }

  it('merges waiting streams of one cell (past display updates), keeps only the newest waiting update, signs what it merged', async () => {
    const Fake = fakeSocketClass();
    queueSends(Fake.prototype, { key: KEY, coalesce: () => true, report: () => {} });
    const s = new Fake();
    const all = [
      s.send(stream('first\n') as never), // in flight: the rest waits behind it
      s.send(stream('a\n') as never), s.send(update('X', 1) as never), s.send(stream('b\n') as never),
      s.send(frames('display_data', { data: { 'text/plain': 'D' }, metadata: {}, transient: {} }) as never), // a new output: streams do not cross it
      s.send(stream('c\n') as never), s.send(update('X', 2) as never), s.send(stream('d\n', 'cell-2') as never), s.send(update('X', 3) as never),
    ];
    await Promise.all(all);
    expect((s.sent as unknown as (string | Buffer)[][]).map(seen)).toEqual([
      'cell-1:first\n', 'cell-1:a\nb\n', 'display_data:"D"', 'cell-1:c\n', 'cell-2:d\n', 'update_display_data:"3"',
    ]);
  });

  it('an execute_reply waits for the outputs queued before it on iopub', async () => {
    const order: string[] = [];
    class Socket {
      send(msg: (string | Buffer)[]): Promise<void> {
        return new Promise((resolve) => setImmediate(() => {
          order.push(`${this.constructor.name} ${parseFrames(msg)!.type}`);
          resolve();
        }));
      }
    }
    class Publisher extends Socket {
      async bind() {}
      set noDrop(_: boolean) {}
    }
    class Router extends Socket {
      close() {}
    }
    queueZmq({ Socket, Publisher, Router } as unknown as ZmqModule, { report: () => {} });
    const [iopub, shell] = [new Publisher(), new Router()];
    const sends = [iopub.send(frames('status', { execution_state: 'busy' })), iopub.send(frames('error', {})), iopub.send(frames('display_data', {}))];
    sends.push(shell.send(frames('execute_reply', { status: 'ok' })), iopub.send(frames('status', { execution_state: 'idle' })));
    await Promise.all(sends);
    // (the idle status, queued after the reply on another socket, may go before or after it)
    expect(order.slice(0, 3)).toEqual(['Publisher status', 'Publisher error', 'Publisher display_data']);
    expect(order.slice(3).sort()).toEqual(['Publisher status', 'Router execute_reply']);
  });
});

describe("tslab's zeromq", () => {
  const zmq = createRequire(join(projectRoot(), 'node_modules', 'tslab', 'package.json'))('zeromq') as typeof import('zeromq');
  const dir = mkdtempSync(join(tmpdir(), 'spinelab-sendq-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const address = () => `ipc://${join(dir, `s${n++}`)}`;

  async function pair(pub: InstanceType<typeof zmq.Publisher>): Promise<InstanceType<typeof zmq.Subscriber>> {
    const addr = address();
    await pub.bind(addr);
    const sub = new zmq.Subscriber();
    sub.connect(addr);
    sub.subscribe();
    await new Promise((r) => setTimeout(r, 200)); // the subscription reaches the publisher
    return sub;
  }

  it('unqueued, the fault is real: sends without awaiting throw EBUSY after 512, and a send during bind throws too', async () => {
    const pub = new zmq.Publisher();
    pub.linger = 0;
    const sub = await pair(pub);
    let sent = 0;
    expect(() => {
      for (; sent < 2000; sent++) pub.send(['line', String(sent)]).catch(() => {}); // the delayed one fails at close
    }).toThrow(/busy writing/);
    expect(sent).toBeGreaterThanOrEqual(512);
    expect(sent).toBeLessThan(2000);
    const other = new zmq.Publisher();
    other.linger = 0;
    const binding = other.bind(address());
    expect(() => other.send('status')).toThrow(/blocked by a bind/);
    await binding;
    for (const s of [pub, sub, other]) s.close();
  });

  it('queued (as the kernel preload installs it): every message of a burst arrives, in order, for a slow subscriber', async () => {
    installKernelSendQueue({ report: (l) => { throw new Error(`unexpected report: ${l}`); } });
    const pub = new zmq.Publisher();
    pub.linger = 0;
    // A send while the bind is in progress waits for it instead of throwing.
    const binding = pub.bind(address());
    await pub.send('during bind');
    await binding;
    const sub = await pair(pub);
    // Beyond the publisher's and subscriber's high-water marks (1000 each): without noDrop, set by
    // the queue before bind, ZeroMQ would drop what the subscriber has not read yet.
    const N = 5000;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < N; i++) sends.push(pub.send(['line', String(i)]));
    const got: number[] = [];
    sub.receiveTimeout = 10_000; // a dropped message fails the test instead of hanging it
    while (got.length < N) {
      const [, i] = await sub.receive();
      got.push(Number(i.toString()));
      if (got.length % 500 === 0) await new Promise((r) => setTimeout(r, 20)); // reads slowly
    }
    await Promise.all(sends);
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
    pub.close();
    sub.close();
  });
});
