import cliProgress from 'cli-progress';
import type { OnProgress, ProgressEvent } from '../core/progress.js';
import { coalesce, type Coalescer } from './coalesce.js';
import { display, type DisplayHandle } from './display.js';
import { escapeHtml } from './html.js';
import { kernelWriter } from './kernel.js';

/** kernel: one display updated in place; tty: a terminal bar; log: a line per 10 %; none: silent. */
export type ProgressMode = 'kernel' | 'tty' | 'log' | 'none';

export interface ProgressOptions {
  /** Default: kernel if tslab's writer is found, else tty on a terminal, else log (SPINELAB_PROGRESS overrides). */
  mode?: ProgressMode;
  /**
   * Minimum time between in-place updates, default 250 ms (about 4 per second); the latest state
   * is published at the next tick even when no further event comes.
   */
  intervalMs?: number;
  /** Log mode: one line each time this fraction is crossed, default 0.1. */
  logStep?: number;
  /** Log mode sink, default stderr. */
  write?: (line: string) => void;
  /** Clock (tests). */
  now?: () => number;
}

export function progressMode(): ProgressMode {
  const env = process.env.SPINELAB_PROGRESS as ProgressMode | undefined;
  if (env && ['kernel', 'tty', 'log', 'none'].includes(env)) return env;
  if (kernelWriter()) return 'kernel';
  return process.stderr.isTTY ? 'tty' : 'log';
}

/** `1m05s`, `12s`, `0.4s` */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** `train 37/50 (74%) [3.1s<1.1s] loss=0.027` */
export function progressLine(e: ProgressEvent, elapsedMs: number): string {
  const pct = e.total > 0 ? Math.floor((100 * e.done) / e.total) : 0;
  const eta = e.done > 0 && e.total > e.done ? (elapsedMs * (e.total - e.done)) / e.done : 0;
  return `${e.label} ${e.done}/${e.total} (${pct}%) [${formatDuration(elapsedMs)}<${formatDuration(eta)}]${e.detail ? ` ${e.detail}` : ''}`;
}

interface Track {
  start: number;
  logged: number;
  handle?: DisplayHandle;
  updates?: Coalescer<{ e: ProgressEvent; elapsed: number }>;
  bar?: cliProgress.SingleBar;
}

/**
 * A progress callback for lib's long stages that picks its output once: an in-place display in a
 * notebook (coalesced: a few updates a second, the first and last state at once, and the latest
 * one at the next tick), a terminal bar on a TTY, sparse log lines otherwise. One track per event
 * label (a new label, e.g. the next fold, starts a new bar). `label` prefixes every line.
 */
export function progress(label = '', opts: ProgressOptions = {}): OnProgress {
  const mode = opts.mode ?? progressMode();
  const interval = opts.intervalMs ?? 250;
  const step = opts.logStep ?? 0.1;
  const now = opts.now ?? Date.now;
  const write = opts.write ?? ((l: string) => process.stderr.write(l + '\n'));
  const tracks = new Map<string, Track>();
  let active: Track | undefined;

  return (raw) => {
    if (mode === 'none') return;
    const name = label && raw.label && raw.label !== label ? `${label}: ${raw.label}` : label || raw.label;
    const e = { ...raw, label: name };
    const t = now();
    let track = tracks.get(name);
    const fresh = !track;
    if (!track) {
      track = { start: t, logged: -1 };
      tracks.set(name, track);
    }
    const finished = e.total > 0 && e.done >= e.total;
    const elapsed = t - track.start;
    if (mode === 'kernel') {
      const k = track;
      k.updates ??= coalesce(({ e, elapsed }) => {
        const bundle = progressBundle(e, elapsed);
        if (!k.handle) k.handle = display(bundle);
        else k.handle.update(bundle);
      }, interval, now);
      k.updates.offer({ e, elapsed }, fresh || finished);
    } else if (mode === 'tty') {
      if (active !== track) {
        active?.bar?.stop();
        active = track;
        track.bar = new cliProgress.SingleBar({
          stream: process.stderr,
          format: `${name} [{bar}] {value}/{total} {percentage}% | {duration_formatted}<{eta_formatted} | {detail}`,
          hideCursor: false,
          clearOnComplete: false,
        }, cliProgress.Presets.shades_classic);
        track.bar.start(e.total, e.done, { detail: e.detail ?? '' });
      }
      track.bar!.setTotal(e.total);
      track.bar!.update(e.done, { detail: e.detail ?? '' });
      if (finished) {
        track.bar!.stop();
        active = undefined;
      }
    } else {
      const bucket = e.total > 0 ? Math.floor(e.done / e.total / step + 1e-9) : 0;
      if (bucket <= track.logged) return;
      track.logged = bucket;
      write(progressLine(e, elapsed));
    }
  };
}

/** A progress callback for notebooks and the CLI (same as progress(label)). */
export function notebookProgress(label: string, opts: ProgressOptions = {}): OnProgress {
  return progress(label, opts);
}

function progressBundle(e: ProgressEvent, elapsedMs: number) {
  const text = progressLine(e, elapsedMs);
  return {
    'text/plain': text,
    'text/html': `<div class="spinelab-progress"><progress value="${e.done}" max="${Math.max(1, e.total)}" style="width:32ex;vertical-align:middle"></progress> <code>${escapeHtml(text)}</code></div>`,
  };
}
