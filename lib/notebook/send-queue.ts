import { createHmac } from 'node:crypto';
import { readFileSync, writeSync } from 'node:fs';
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
 * Messages that wait in iopub's queue are coalesced as ipykernel does with its stream buffer:
 * consecutive stream messages of one cell merge into one, and a display update is skipped when a
 * newer update of the same display waits behind it. A cell printing thousands of lines then costs
 * the frontend a few messages per event-loop turn instead of one per line.
 *
 * Installed by the kernel's preload (lib/notebook/kernel-preload.mjs, named in the kernel argv),
 * which hooks the loading of zeromq so that whichever tslab copy runs the kernel (a global tslab
 * hands over to the local one) gets it; and again, for kernels registered without our preload
 * (a plain `tslab install`), when lib/notebook is imported, on the zeromq already loaded.
 */

/** Most bytes waiting in one socket's queue; beyond it new messages are dropped (and reported). */
export const MAX_QUEUED_BYTES = 256 * 1024 * 1024;
/** How long close() waits for a socket's queue to drain (the last status before a shutdown). */
export const CLOSE_WAIT_MS = 2000;
/** How long an execute_reply waits for the cell's outputs queued before it on iopub. */
export const REPLY_WAIT_MS = 30_000;
/** Tries for a send that keeps meeting EBUSY (a bind in progress; a send issued before the queue). */
const MAX_BUSY_TRIES = 400;
/** Largest text one merged stream message carries. */
const MAX_MERGED_TEXT = 256 * 1024;
const DELIM = '<IDS|MSG>';

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
  /**
   * Coalesce the Jupyter messages waiting on these sockets (true for iopub). `key` signs merged
   * messages (the connection file's HMAC key); without it streams are not merged.
   */
  coalesce?: (sock: object) => boolean;
  key?: string | null;
  /** A message that must wait for something before it is sent (an execute_reply, for its outputs). */
  waitFor?: (sock: object, msg: unknown) => Promise<void> | null;
}

/** A Jupyter message's frames, split (only for messages that wait in a coalescing queue). */
interface Parsed {
  delim: number;
  type: string;
  parent: string;
  /** stream name, or display_id of an update_display_data */
  target: string;
  content: Record<string, unknown>;
}

interface Item {
  msg: unknown;
  rest: unknown[];
  size: number;
  parsed: Parsed | null;
  after: Promise<void> | null;
  done: (() => void)[];
  promise: Promise<void>;
}

interface Queue {
  items: Item[];
  running: boolean;
  bytes: number;
  dropped: number;
  coalesce: boolean;
  /** Waiting update_display_data per display_id. */
  updates: Map<string, number>;
}

const MARK = Symbol.for('spinelab.sendQueue');
const CLOSE_MARK = Symbol.for('spinelab.sendQueue.close');
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

/** [routing ids…, DELIM, hmac, header, parent, metadata, content, …] → what coalescing needs. */
export function parseFrames(msg: unknown): Parsed | null {
  if (!Array.isArray(msg)) return null;
  const delim = msg.findIndex((f) => String(f) === DELIM);
  if (delim < 0 || msg.length < delim + 6) return null;
  try {
    const header = JSON.parse(String(msg[delim + 2])) as { msg_type?: string };
    const parent = JSON.parse(String(msg[delim + 3])) as { msg_id?: string };
    const content = JSON.parse(String(msg[delim + 5])) as Record<string, unknown>;
    const type = String(header.msg_type ?? '');
    const target = type === 'stream' ? String(content.name) : String((content.transient as { display_id?: string } | undefined)?.display_id ?? '');
    return { delim, type, parent: String(parent.msg_id ?? ''), target, content };
  } catch {
    return null;
  }
}

/** The HMAC key tslab signs with: from the connection file named by `--config-path`. */
export function connectionKey(argv: readonly string[] = process.argv): string | null {
  const i = argv.findIndex((a) => a === '--config-path' || a.startsWith('--config-path='));
  if (i < 0) return null;
  const file = argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
  try {
    const key = (JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown }).key;
    return typeof key === 'string' ? key : null;
  } catch {
    return null;
  }
}

/** The same frames with a new content, signed as tslab signs (HMAC-SHA256 over the JSON parts). */
function withContent(msg: unknown[], p: Parsed, content: Record<string, unknown>, key: string): unknown[] {
  const body = [String(msg[p.delim + 2]), String(msg[p.delim + 3]), String(msg[p.delim + 4]), JSON.stringify(content), ...msg.slice(p.delim + 6).map(String)];
  const h = createHmac('sha256', key);
  for (const b of body) h.update(b);
  return [...msg.slice(0, p.delim + 1), h.digest('hex'), ...body];
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
  const key = opts.key ?? null;
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
        // EAGAIN: iopub at its high-water mark with noDrop set (see queueZmq): wait for the
        // subscriber to read; memory is bounded by the queue's byte cap.
        if ((code === 'EBUSY' && i < MAX_BUSY_TRIES) || code === 'EAGAIN') {
          await retryDelay(i);
          continue;
        }
        fail(`message not sent: ${(e as Error)?.message ?? String(e)}`);
        return;
      }
    }
  }

  const settle = (queue: Queue, item: Item) => {
    queue.bytes -= item.size;
    if (item.parsed?.type === 'update_display_data') {
      const n = (queue.updates.get(item.parsed.target) ?? 1) - 1;
      if (n > 0) queue.updates.set(item.parsed.target, n);
      else queue.updates.delete(item.parsed.target);
    }
    for (const d of item.done) d();
  };

  /** Merge the streams of the head's cell that follow it (past display updates, which render in place). */
  const mergeStreams = (queue: Queue, head: Item) => {
    const p = head.parsed;
    if (!key || !p || p.type !== 'stream') return;
    let text = String(p.content.text ?? '');
    let merged = 0;
    for (let j = 1; j < queue.items.length && j < 1000 && text.length < MAX_MERGED_TEXT;) {
      const q = queue.items[j].parsed;
      if (q?.type === 'update_display_data') {
        j++;
      } else if (q?.type === 'stream' && q.parent === p.parent && q.target === p.target && !queue.items[j].after) {
        const [next] = queue.items.splice(j, 1);
        text += String(q.content.text ?? '');
        head.done.push(...next.done);
        queue.bytes -= next.size;
        merged++;
      } else break;
    }
    if (merged) {
      head.parsed = { ...p, content: { ...p.content, text } };
      head.msg = withContent(head.msg as unknown[], p, head.parsed.content, key);
    }
  };

  async function pump(sock: object, queue: Queue): Promise<void> {
    queue.running = true;
    while (queue.items.length) {
      const head = queue.items[0];
      const p = head.parsed;
      if (p?.type === 'update_display_data' && (queue.updates.get(p.target) ?? 0) > 1) {
        queue.items.shift(); // a newer state of this display waits behind it
        settle(queue, head);
        continue;
      }
      mergeStreams(queue, head);
      if (head.after) await head.after;
      await attempt(sock, head.msg, head.rest);
      queue.items.shift();
      settle(queue, head);
    }
    queue.running = false;
    if (queue.dropped > 0) {
      report(`send queue drained; ${queue.dropped} message(s) were dropped`);
      queue.dropped = 0;
    }
  }

  function send(this: object, msg: unknown, ...rest: unknown[]): Promise<void> {
    let queue = queues.get(this);
    if (!queue) {
      queue = { items: [], running: false, bytes: 0, dropped: 0, coalesce: opts.coalesce?.(this) ?? false, updates: new Map() };
      queues.set(this, queue);
      opts.prepare?.(this);
    }
    const size = sizeOf(msg);
    if (queue.items.length > 0 && queue.bytes + size > maxBytes) {
      if (queue.dropped++ === 0) fail(`send queue over ${maxBytes} bytes (the client reads too slowly): dropping messages`);
      return Promise.resolve();
    }
    const done: (() => void)[] = [];
    const promise = new Promise<void>((resolve) => done.push(resolve));
    // Only a message that will wait is parsed; one sent at once costs nothing extra.
    const parsed = queue.coalesce && queue.items.length > 0 ? parseFrames(msg) : null;
    if (parsed?.type === 'update_display_data') queue.updates.set(parsed.target, (queue.updates.get(parsed.target) ?? 0) + 1);
    queue.items.push({ msg, rest, size, parsed, after: opts.waitFor?.(this, msg) ?? null, done, promise });
    queue.bytes += size;
    // Nothing in flight: the pump sends it now, synchronously, as the unqueued send did.
    if (!queue.running) void pump(this, queue);
    return promise;
  }

  Object.defineProperty(proto, 'send', { value: send, writable: false, enumerable: false, configurable: true });
  Object.defineProperty(proto, MARK, { value: true });
  return true;
}

/** Resolves once everything queued on `sock` so far has been sent (at once when nothing is). */
export function drained(sock: object): Promise<void> {
  const items = queues.get(sock)?.items;
  return items?.length ? items[items.length - 1].promise : Promise.resolve();
}

/**
 * Make `close()` on sockets of this prototype wait for their send queue to drain (at most
 * CLOSE_WAIT_MS): tslab closes its sockets right after publishing the shutdown's `idle`, which is
 * still queued behind the `busy` sent in the same tick. Defined on each socket class's own
 * prototype (zeromq's base `close` cannot be redefined).
 */
export function closeAfterDrain(proto: { close(this: object): void }): void {
  if (Object.prototype.hasOwnProperty.call(proto, CLOSE_MARK)) return;
  const original = proto.close;
  function close(this: object): void {
    if (!queues.get(this)?.items.length) return original.call(this);
    let done = false;
    const closeNow = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      original.call(this);
    };
    const timer = setTimeout(closeNow, CLOSE_WAIT_MS);
    void drained(this).then(closeNow);
  }
  Object.defineProperty(proto, 'close', { value: close, writable: false, enumerable: false, configurable: true });
  Object.defineProperty(proto, CLOSE_MARK, { value: true });
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
 * so the cell's messages wait in our queue (bounded by MAX_QUEUED_BYTES, and coalesced) until the
 * client reads. A client that goes away takes its pipe with it, so nothing waits for a departed
 * frontend.
 *
 * An execute_reply (shell) waits until the outputs queued before it on iopub are sent, as with an
 * unqueued tslab: clients such as nbclient stop collecting a cell's outputs a few seconds after
 * its reply.
 */
export function queueZmq(zmq: ZmqModule, opts: QueueOptions = {}): boolean {
  const report = opts.report ?? reportToStderr;
  const Publisher = zmq.Publisher as unknown as (new () => object) & { prototype: PublisherProto } | undefined;
  const publishers = new Set<WeakRef<object>>();
  const isPublisher = (sock: object) => Publisher !== undefined && sock instanceof Publisher;
  const configured = new WeakSet<object>();
  if (Publisher && !Object.prototype.hasOwnProperty.call(Publisher.prototype, MARK)) {
    // Set before bind where we get there first (options set on a bound socket only apply to the
    // next bind, zeromq.js warns)...
    const bind = Publisher.prototype.bind;
    const bindNoDrop = function (this: PublisherLike, address: string): Promise<void> {
      if (!configured.has(this)) {
        setNoDrop(this, report);
        configured.add(this);
      }
      return bind.call(this, address);
    };
    Object.defineProperty(Publisher.prototype, 'bind', { value: bindNoDrop, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(Publisher.prototype, MARK, { value: true });
  }
  const prepare = (sock: object) => {
    opts.prepare?.(sock);
    if (!isPublisher(sock)) return;
    publishers.add(new WeakRef(sock));
    if (configured.has(sock)) return;
    // ...else (installed from a notebook cell, on sockets bound long ago) at the first send:
    // libzmq applies ZMQ_XPUB_NODROP at once, so zeromq.js's warning is muted there.
    configured.add(sock);
    const emitWarning = process.emitWarning;
    process.emitWarning = () => {};
    try {
      setNoDrop(sock as unknown as PublisherLike, report);
    } finally {
      process.emitWarning = emitWarning;
    }
  };
  const waitFor = (sock: object, msg: unknown): Promise<void> | null => {
    if (isPublisher(sock) || parseFrames(msg)?.type !== 'execute_reply') return null;
    const outputs = [...publishers].map((r) => r.deref()).filter((s): s is object => s !== undefined).map(drained);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, REPLY_WAIT_MS)));
    return Promise.race([Promise.all(outputs).then(() => undefined), timeout]).finally(() => clearTimeout(timer));
  };
  const installed = queueSends(zmq.Socket.prototype, {
    key: connectionKey(), coalesce: isPublisher, waitFor, ...opts, prepare,
  });
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
