import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../core/paths.js';
import { kernelArgv as argvFor } from './kernel-argv.mjs';

/**
 * A minimal Jupyter client for the tslab kernel: it starts the kernel the way Jupyter would
 * (same argv as tools/install-kernel.mjs), speaks the wire protocol over zeromq (tslab's own
 * dependency) and hands back each execute request's iopub messages. No Python involved.
 */

/** The parts of a Jupyter message we use. */
export interface KernelMessage {
  header: { msg_id: string; msg_type: string; [k: string]: unknown };
  parent_header: { msg_id?: string; [k: string]: unknown };
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

interface Socket {
  connect(addr: string): void;
  send(frames: (string | Buffer)[]): Promise<void>;
  receive(): Promise<Buffer[]>;
  close(): void;
  linger: number;
}
interface Zmq {
  Dealer: new () => Socket;
  Subscriber: new () => Socket & { subscribe(): void };
}

const DELIM = '<IDS|MSG>';

/** The kernel command line (kernel-argv.mjs; tools/install-kernel.mjs writes the same into kernel.json). */
export function kernelArgv(connectionFile: string, root = projectRoot()): string[] {
  return argvFor(connectionFile, root);
}

function loadZmq(root: string): Zmq {
  const fromTslab = createRequire(join(root, 'node_modules', 'tslab', 'package.json'));
  return fromTslab('zeromq') as Zmq;
}

export interface KernelOptions {
  /** Kernel working directory (the notebook's folder, as Jupyter does). */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Seconds to wait for the kernel to answer kernel_info. Default 120 (first compile is slow on busy machines). */
  startTimeout?: number;
  /** Milliseconds to pause after each iopub message received (tests: a frontend that reads slowly). */
  iopubDelayMs?: number;
}

export class KernelClient {
  private readonly key = randomBytes(32).toString('hex');
  private readonly session = randomUUID();
  private readonly dir: string;
  private readonly child: ChildProcess;
  private readonly shell: Socket;
  private readonly iopub: Socket & { subscribe(): void };
  private readonly iopubDelayMs: number;
  private readonly listeners = new Map<string, (m: KernelMessage, channel: 'shell' | 'iopub') => void>();
  private closed = false;
  private exit: { code: number | null; signal: string | null } | null = null;
  /** The kernel process's own stdout/stderr (outside cells), for diagnosing a failed start. */
  log = '';

  private constructor(opts: KernelOptions, root: string) {
    this.iopubDelayMs = opts.iopubDelayMs ?? 0;
    this.dir = mkdtempSync(join(tmpdir(), 'spinelab-kernel-'));
    const base = join(this.dir, 'k');
    const conn = {
      transport: 'ipc', ip: base, shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5,
      key: this.key, signature_scheme: 'hmac-sha256', kernel_name: 'tslab',
    };
    const connFile = join(this.dir, 'connection.json');
    writeFileSync(connFile, JSON.stringify(conn));
    const argv = kernelArgv(connFile, root);
    this.child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.log += d));
    this.child.stderr!.on('data', (d) => (this.log += d));
    this.child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      for (const l of this.listeners.values()) l(deadMessage(code, signal), 'shell');
    });
    const zmq = loadZmq(root);
    this.shell = new zmq.Dealer();
    this.iopub = new zmq.Subscriber();
    for (const s of [this.shell, this.iopub]) s.linger = 0;
    // tslab binds `${transport}://${ip}:${port}`
    this.shell.connect(`ipc://${base}:${conn.shell_port}`);
    this.iopub.connect(`ipc://${base}:${conn.iopub_port}`);
    this.iopub.subscribe();
    void this.pump(this.shell, 'shell');
    void this.pump(this.iopub, 'iopub');
  }

  /** Start a kernel and wait until both its shell and iopub channels answer. */
  static async start(opts: KernelOptions, root = projectRoot()): Promise<KernelClient> {
    const k = new KernelClient(opts, root);
    try {
      await k.waitReady((opts.startTimeout ?? 120) * 1000);
    } catch (e) {
      await k.shutdown();
      throw e;
    }
    return k;
  }

  /** PID of the kernel process (for interrupts). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.exit !== null;
  }

  private async pump(sock: Socket, channel: 'shell' | 'iopub'): Promise<void> {
    while (!this.closed) {
      let frames: Buffer[];
      try {
        frames = await sock.receive();
      } catch {
        return; // socket closed
      }
      const msg = this.decode(frames);
      if (!msg) continue;
      const parent = msg.parent_header.msg_id;
      const l = parent ? this.listeners.get(parent) : undefined;
      if (l) l(msg, channel);
      if (channel === 'iopub' && this.iopubDelayMs > 0) await new Promise((r) => setTimeout(r, this.iopubDelayMs));
    }
  }

  private decode(frames: Buffer[]): KernelMessage | null {
    const i = frames.findIndex((f) => f.toString() === DELIM);
    if (i < 0 || frames.length < i + 6) return null;
    const [sig, ...parts] = frames.slice(i + 1, i + 6);
    if (this.sign(parts.map(String)) !== sig.toString()) return null; // not from our kernel
    const [header, parent_header, metadata, content] = parts.map((p) => JSON.parse(p.toString()));
    return { header, parent_header, metadata, content };
  }

  private sign(parts: string[]): string {
    const h = createHmac('sha256', this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  /** Send a shell request; `onMessage` receives every iopub and shell message answering it. */
  async request(msgType: string, content: Record<string, unknown>, onMessage: (m: KernelMessage, channel: 'shell' | 'iopub') => void): Promise<string> {
    if (this.exit) throw new Error(`kernel exited (${this.exit.signal ?? `code ${this.exit.code}`})\n${this.log}`);
    const header = { msg_id: randomUUID(), msg_type: msgType, session: this.session, username: 'spinelab', date: new Date().toISOString(), version: '5.3' };
    this.listeners.set(header.msg_id, onMessage);
    const parts = [header, {}, {}, content].map((p) => JSON.stringify(p));
    await this.shell.send([DELIM, this.sign(parts), ...parts]);
    return header.msg_id;
  }

  /** Stop listening for replies to a request. */
  forget(msgId: string): void {
    this.listeners.delete(msgId);
  }

  /**
   * iopub is a PUB socket: messages published before our subscription reached the kernel are
   * lost. So ask kernel_info until a reply AND its iopub status both arrive.
   */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let gotReply = false;
    let gotIopub = false;
    while (!(gotReply && gotIopub)) {
      if (this.exit) throw new Error(`tslab kernel exited during start-up (${this.exit.signal ?? `code ${this.exit.code}`}):\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`tslab kernel did not answer within ${timeoutMs / 1000}s:\n${this.log}`);
      const id = await this.request('kernel_info_request', {}, (m, ch) => {
        if (ch === 'shell' && m.header.msg_type === 'kernel_info_reply') gotReply = true;
        if (ch === 'iopub' && m.header.msg_type === 'status') gotIopub = true;
      });
      await new Promise((r) => setTimeout(r, gotReply ? 100 : 500));
      if (!(gotReply && gotIopub)) this.forget(id);
    }
    this.listeners.clear();
  }

  /** Interrupt the running cell (tslab handles SIGINT). */
  interrupt(): void {
    if (!this.exit) this.child.kill('SIGINT');
  }

  /** Ask the kernel to shut down, then make sure the process is gone, and clean up. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    if (!this.exit) {
      try {
        await this.request('shutdown_request', { restart: false }, () => {});
      } catch { /* already gone */ }
      await this.waitExit(3000);
      if (!this.exit) this.child.kill('SIGTERM');
      await this.waitExit(2000);
      if (!this.exit) this.child.kill('SIGKILL');
    }
    this.closed = true;
    this.shell.close();
    this.iopub.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private waitExit(ms: number): Promise<void> {
    if (this.exit) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

function deadMessage(code: number | null, signal: string | null): KernelMessage {
  return {
    header: { msg_id: '', msg_type: 'kernel_died' },
    parent_header: {},
    metadata: {},
    content: { code, signal },
  };
}
