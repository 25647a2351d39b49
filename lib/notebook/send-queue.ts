import { writeSync } from 'node:fs';
import Module from 'node:module';
import { sep } from 'node:path';

/**
 * One send at a time per zeromq socket, for the tslab kernel.
 *
 * zeromq.js 6 allows one `send` in flight per socket and throws EBUSY ("Socket is busy writing")
 * for a second one. After 512 sends without an event-loop turn it stops resolving sends
 * synchronously, so the next send is in flight until the loop turns. tslab 1.0.22 calls
 * `sock.send(...)` without awaiting for every stream write, display, display update and status
 * message: a cell that publishes quickly (stdout, progress, live figures) loses outputs (console
 * swallows the throw), ends without its `idle` status, or kills the kernel when the throw escapes
 * into a handler that rethrows (tfjs' WASM module installs one). The start-up race seen with tslab,
 * "Socket is blocked by a bind or unbind operation (EBUSY)", is the same mechanism: a send on a
 * socket whose bind is still in progress throws at once (tslab binds its five sockets
 * concurrently, so a status for a shell request that arrives early can meet iopub still binding).
 *
 * This module replaces `send` on zeromq's socket prototype (so every socket of every type, created
 * before or after) with a queue per socket: each send starts when the previous one has settled;
 * with nothing in flight it starts at once, so the usual path is unchanged. EBUSY (and EAGAIN, see
 * queueZmq) is retried on a later tick; any other failure is written to the kernel's own stderr
 * (file descriptor 2: tslab routes process.stderr into the running cell) and the promise resolves
 * anyway, so nothing is thrown into the process. No file in node_modules is edited.
 *
 * Installed by the kernel's preload (lib/notebook/kernel-preload.ts, named in the kernel argv),
 * which hooks the loading of zeromq so that whichever tslab copy runs the kernel (a global tslab
 * hands over to the local one) gets it; and again, for kernels registered without our preload
 * (a plain `tslab install`), when lib/notebook is imported, on the zeromq already loaded.
 */

/** Most bytes waiting in one socket's queue; beyond it new messages are dropped (and reported). */
export const MAX_QUEUED_BYTES = 256 * 1024 * 1024;
/** Tries for a send that keeps meeting EBUSY (a bind in progress; a send issued before the queue). */
const MAX_BUSY_TRIES = 400;
/** How long close() waits for a socket's queue to drain (the last status before a shutdown). */
export const CLOSE_WAIT_MS = 2000;

// Any socket class's send (zeromq's takes a message and, for some types, options).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SendFn = (this: object, msg: any, ...rest: any[]) => Promise<void>;
interface SocketProto {
  send: SendFn;
}
interface PublisherProto {
  bind(this: PublisherLike, address: string): Promise<void>;
}
interface PublisherLike {
  noDrop: boolean;
}
/** The parts of zeromq's exports this module touches. */
export interface ZmqModule {
  Socket: { prototype: SocketProto };
  Publisher?: { prototype: PublisherProto };
  [name: string]: unknown;
}

export interface QueueOptions {
  /** Where send failures are reported; default the process's stderr file descriptor. */
  report?: (line: string) => void;
  /** Per-socket byte cap of the queue, default MAX_QUEUED_BYTES. */
  maxQueuedBytes?: number;
  /** Waits before retrying after EBUSY/EAGAIN (tests); default setImmediate, then 10 ms. */
  retryDelay?: (attempt: number) => Promise<void>;
  /** Called once per socket before its first queued send. */
  prepare?: (sock: object) => void;
}

interface Queue {
  tail: Promise<void>;
  pending: number;
  bytes: number;
  dropped: number;
}

const MARK = Symbol.for('spinelab.sendQueue');
const LOAD_HOOK = Symbol.for('spinelab.sendQueue.loadHook');
// Per socket, shared by every copy of this module (the ESM preload and the CommonJS import run
// separate copies; native sockets take no extra properties).
const QUEUES = Symbol.for('spinelab.sendQueue.queues');
const queues: WeakMap<object, Queue> = ((globalThis as Record<symbol, unknown>)[QUEUES] ??= new WeakMap()) as WeakMap<object, Queue>;

function reportToStderr(line: string): void {
  try {
    writeSync(2, `spinelab kernel: ${line}\n`);
  } catch {
    /* stderr closed: nothing left to tell */
  }
}

function defaultRetryDelay(attempt: number): Promise<void> {
  return new Promise((resolve) => (attempt < 20 ? setImmediate(resolve) : setTimeout(resolve, 10)));
}

/** Bytes of a multipart message (strings counted as UTF-16 length: a bound, not an exact size). */
function sizeOf(msg: unknown): number {
  const parts = Array.isArray(msg) ? msg : [msg];
  let n = 0;
  for (const p of parts) n += typeof p === 'string' ? p.length : ((p as { byteLength?: number } | null)?.byteLength ?? 0);
  return n;
}

/**
 * Replace `proto.send` with the queued send described above. Idempotent: a prototype already
 * queued is left alone (this module may be loaded twice, as the ESM preload and as a CommonJS
 * import inside the kernel). Returns true when it installed the queue now.
 */
export function queueSends(proto: SocketProto, opts: QueueOptions = {}): boolean {
  if (Object.prototype.hasOwnProperty.call(proto, MARK)) return false;
  const original = proto.send;
  const report = opts.report ?? reportToStderr;
  const maxBytes = opts.maxQueuedBytes ?? MAX_QUEUED_BYTES;
  const retryDelay = opts.retryDelay ?? defaultRetryDelay;
  let failures = 0;
  const fail = (what: string) => {
    failures++;
    // The first ten, then every thousandth: a closed peer would otherwise fill the log.
    if (failures <= 10 || failures % 1000 === 0) report(`${what} (send failure ${failures})`);
  };

  // Never rejects: tslab does not await its sends, so a rejection would be unhandled.
  async function attempt(sock: object, msg: unknown, rest: unknown[]): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await original.call(sock, msg, ...rest);
        return;
      } catch (e) {
        const code = (e as { code?: unknown } | null)?.code;
        // EBUSY: a bind in progress, or a send issued before the queue was installed.
        // EAGAIN: iopub at its high-water mark with noDrop set (see queueZmq): wait for
        // the subscriber to read; memory is bounded by the queue's byte cap.
        if ((code === 'EBUSY' && i < MAX_BUSY_TRIES) || code === 'EAGAIN') {
          await retryDelay(i);
          continue;
        }
        fail(`message not sent: ${(e as Error)?.message ?? String(e)}`);
        return;
      }
    }
  }

  function send(this: object, msg: unknown, ...rest: unknown[]): Promise<void> {
    let q = queues.get(this);
    if (!q) {
      queues.set(this, (q = { tail: Promise.resolve(), pending: 0, bytes: 0, dropped: 0 }));
      opts.prepare?.(this);
    }
    const queue = q;
    const size = sizeOf(msg);
    if (queue.pending > 0 && queue.bytes + size > maxBytes) {
      if (queue.dropped++ === 0) fail(`send queue over ${maxBytes} bytes (the client reads too slowly): dropping messages`);
      return Promise.resolve();
    }
    queue.pending++;
    queue.bytes += size;
    const run = () => attempt(this, msg, rest).then(() => {
      queue.pending--;
      queue.bytes -= size;
      if (queue.pending === 0 && queue.dropped > 0) {
        report(`send queue drained; ${queue.dropped} message(s) were dropped`);
        queue.dropped = 0;
      }
    });
    // Nothing in flight: start now (synchronously, as the unqueued send did); else after the tail.
    queue.tail = queue.pending === 1 ? run() : queue.tail.then(run);
    return queue.tail;
  }

  Object.defineProperty(proto, 'send', { value: send, writable: false, enumerable: false, configurable: true });
  Object.defineProperty(proto, MARK, { value: true });
  return true;
}

/**
 * Make `close()` on sockets of this prototype wait for their send queue to drain (at most
 * CLOSE_WAIT_MS): tslab closes its sockets right after publishing the shutdown's `idle`, which is
 * still queued behind the `busy` sent in the same tick. Defined on each socket class's own
 * prototype (zeromq's base `close` cannot be redefined).
 */
export function closeAfterDrain(proto: { close(this: object): void }): void {
  const CLOSE = Symbol.for('spinelab.sendQueue.close');
  if (Object.prototype.hasOwnProperty.call(proto, CLOSE)) return;
  const original = proto.close;
  function close(this: object): void {
    const queue = queues.get(this);
    if (!queue || queue.pending === 0) return original.call(this);
    let done = false;
    const closeNow = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      original.call(this);
    };
    const timer = setTimeout(closeNow, CLOSE_WAIT_MS);
    void queue.tail.then(closeNow);
  }
  Object.defineProperty(proto, 'close', { value: close, writable: false, enumerable: false, configurable: true });
  Object.defineProperty(proto, CLOSE, { value: true });
}

/**
 * Queue the sends of one loaded zeromq module, and make its Publishers (Jupyter's iopub) keep
 * every message for a slow subscriber instead of dropping it.
 *
 * iopub is a PUB socket. At its send high-water mark (1000 messages per subscriber, plus 1000 in
 * the subscriber's receive queue) ZeroMQ silently DROPS what a slowly reading client has not taken
 * yet: measured with a client pausing 2 ms per message, a cell of 4,003 messages delivered 1,980,
 * without its `idle` status. With `noDrop` (ZMQ_XPUB_NODROP) a send at the mark fails with EAGAIN
 * instead (zeromq.js cannot wait for it: a PUB socket always polls writable); the queue retries it,
 * so the cell's messages wait in our queue (bounded by MAX_QUEUED_BYTES) until the client reads.
 * The publishers in lib coalesce their updates, which keeps that queue short. A client that goes
 * away takes its pipe with it, so nothing waits for a departed frontend.
 */
export function queueZmq(zmq: ZmqModule, opts: QueueOptions = {}): boolean {
  const report = opts.report ?? reportToStderr;
  const Publisher = zmq.Publisher;
  if (!Publisher) return queueSends(zmq.Socket.prototype, opts);
  const configured = new WeakSet<object>();
  // Set before bind where we get there first (options set on a bound socket only apply to the
  // next bind, zeromq.js warns)...
  const proto = Publisher.prototype;
  if (!Object.prototype.hasOwnProperty.call(proto, MARK)) {
    const bind = proto.bind;
    const bindNoDrop = function (this: PublisherLike, address: string): Promise<void> {
      setNoDrop(this, report);
      configured.add(this);
      return bind.call(this, address);
    };
    Object.defineProperty(proto, 'bind', { value: bindNoDrop, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(proto, MARK, { value: true });
  }
  // ...else (installed from a notebook cell, on sockets bound long ago) at the first send:
  // libzmq applies ZMQ_XPUB_NODROP at once, so zeromq.js's warning is muted there.
  const prepare = (sock: object) => {
    opts.prepare?.(sock);
    if (!(sock instanceof (Publisher as unknown as new () => object)) || configured.has(sock)) return;
    configured.add(sock);
    const emitWarning = process.emitWarning;
    process.emitWarning = () => {};
    try {
      setNoDrop(sock as PublisherLike, report);
    } finally {
      process.emitWarning = emitWarning;
    }
  };
  const installed = queueSends(zmq.Socket.prototype, { ...opts, prepare });
  for (const C of Object.values(zmq)) {
    const p = (C as { prototype?: unknown } | null)?.prototype;
    if (typeof C === 'function' && p && p !== zmq.Socket.prototype && Object.prototype.isPrototypeOf.call(zmq.Socket.prototype, p)) {
      closeAfterDrain(p as { close(this: object): void });
    }
  }
  return installed;
}

function setNoDrop(sock: PublisherLike, report: (line: string) => void): void {
  try {
    sock.noDrop = true;
  } catch (e) {
    report(`iopub keeps dropping messages for slow clients (noDrop not set: ${(e as Error).message})`);
  }
}

const ZMQ_ENTRY = ['zeromq', 'lib', 'index.js'].join(sep);

/**
 * Queue zeromq's sends in this process: every zeromq already loaded now, and any loaded later
 * (hooked on require, so the copy that the running tslab resolves is the one patched, without
 * loading a second native zeromq). Safe to call more than once; a no-op outside a kernel apart
 * from the require hook, which only looks at the request "zeromq".
 */
export function installKernelSendQueue(opts: QueueOptions = {}): void {
  const mod = Module as unknown as {
    _load: (request: string, parent: unknown, isMain: boolean) => unknown;
    _cache: Record<string, { exports?: unknown } | undefined>;
  } & Record<symbol, unknown>;
  for (const [file, cached] of Object.entries(mod._cache)) {
    if (file.endsWith(ZMQ_ENTRY) && cached?.exports) patchLoaded(cached.exports, opts);
  }
  if (mod[LOAD_HOOK]) return;
  const load = mod._load;
  mod._load = function loadWithSendQueue(this: unknown, request: string, parent: unknown, isMain: boolean) {
    const exports = load.call(this, request, parent, isMain);
    if (request === 'zeromq') patchLoaded(exports, opts);
    return exports;
  };
  mod[LOAD_HOOK] = true;
}

function patchLoaded(exports: unknown, opts: QueueOptions): void {
  const zmq = exports as Partial<ZmqModule> | null;
  if (typeof zmq?.Socket?.prototype?.send !== 'function') return;
  try {
    queueZmq(zmq as ZmqModule, opts);
  } catch (e) {
    // Never stop the kernel from starting: it then runs as tslab alone would.
    (opts.report ?? reportToStderr)(`send queue not installed: ${(e as Error).message}`);
  }
}
