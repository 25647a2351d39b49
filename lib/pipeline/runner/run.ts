import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { outputDir, projectRoot } from '../../core/paths.js';
import type { OnProgress } from '../../core/progress.js';
import { executeNotebook, type CellFailure } from './execute.js';
import { readNotebook, writeNotebook } from './nbformat.js';
import { writeKernelSpec } from './kernelspec.js';

/** Debian's Python: the `python3` on PATH may be a pyenv one without Jupyter. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export type RunnerKind = 'node' | 'jupyter';

export interface NotebookRun {
  file: string;
  out: string;
  ok: boolean;
  seconds: number;
  failure?: CellFailure;
  /** Trusted for this user (signature stored), so classic Notebook runs its HTML outputs. */
  signed: boolean;
}

export interface RunNotebooksOptions {
  /** Names (`01_Preparation`, `01`, a path); default every notebooks/[0-9]*.ipynb in order. */
  names?: string[];
  runner?: RunnerKind;
  /** Where executed copies go; default output/notebooks. */
  outDir?: string;
  /** Environment for the kernels (SPINELAB_PRESET, SPINELAB_INPUT, SPINELAB_OUTPUT, …). */
  env?: Record<string, string>;
  cellTimeout?: number;
  /** One line per finished notebook ("ok  …" / "FAIL …"). */
  onLog?: (line: string) => void;
  onProgress?: OnProgress;
}

/** Notebook files for the given names, in the given order (sorted when none are given). */
export function resolveNotebooks(names: string[] = [], dir = join(projectRoot(), 'notebooks')): string[] {
  const all = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort() : [];
  if (!names.length) return all.filter((f) => /^\d/.test(f)).map((f) => join(dir, f));
  return names.map((n) => {
    if (existsSync(n) && n.endsWith('.ipynb')) return resolve(n);
    const exact = all.find((f) => f === n || f === `${n}.ipynb`);
    if (exact) return join(dir, exact);
    const prefixed = all.filter((f) => f.startsWith(n));
    if (prefixed.length === 1) return join(dir, prefixed[0]);
    throw new UsageError(prefixed.length
      ? `notebook "${n}" is ambiguous: ${prefixed.join(', ')}`
      : `no notebook "${n}" in ${dir} (have: ${all.join(', ') || 'none'})`);
  });
}

/**
 * Sign executed notebooks for this user with nbformat (Debian Python), so classic Notebook trusts
 * their HTML outputs. Returns false when no Python with nbformat is available (the notebooks are
 * still valid; Jupyter just asks the user to trust them).
 */
export function signNotebooks(files: string[]): boolean {
  if (!files.length || !existsSync(SYSTEM_PYTHON)) return false;
  const code = 'import sys, nbformat\nfrom nbformat.sign import NotebookNotary\nn = NotebookNotary()\nfor p in sys.argv[1:]:\n    n.sign(nbformat.read(p, as_version=4))';
  return spawnSync(SYSTEM_PYTHON, ['-c', code, ...files], { stdio: 'ignore' }).status === 0;
}

/** Execute notebooks in order, writing executed copies; stops at the first failure. */
export async function runNotebooks(opts: RunNotebooksOptions = {}): Promise<{ ok: boolean; runs: NotebookRun[] }> {
  const files = resolveNotebooks(opts.names);
  if (!files.length) throw new UsageError('no notebooks to run');
  const outDir = resolve(opts.outDir ?? join(outputDir(), 'notebooks'));
  const runs: NotebookRun[] = [];
  for (const file of files) {
    const out = join(outDir, basename(file));
    const run = opts.runner === 'jupyter'
      ? await runWithJupyter(file, outDir, opts)
      : await runWithNode(file, out, opts);
    runs.push(run);
    opts.onLog?.(`${run.ok ? 'ok  ' : 'FAIL'} ${file} (${run.seconds.toFixed(1)}s) -> ${out}${run.signed ? '' : ' (not signed)'}`);
    if (!run.ok) break;
  }
  return { ok: runs.every((r) => r.ok), runs };
}

async function runWithNode(file: string, out: string, opts: RunNotebooksOptions): Promise<NotebookRun> {
  const r = await executeNotebook(readNotebook(file), file, { env: opts.env, cellTimeout: opts.cellTimeout, onProgress: opts.onProgress });
  writeNotebook(out, r.notebook);
  return { file, out, ok: r.ok, seconds: r.seconds, failure: r.failure, signed: signNotebooks([out]) };
}

/** Runs tools/run_notebooks.py (nbclient) on one notebook with the project kernel registered. */
async function runWithJupyter(file: string, outDir: string, opts: RunNotebooksOptions): Promise<NotebookRun> {
  if (!existsSync(SYSTEM_PYTHON)) throw new UsageError(`--runner jupyter needs ${SYSTEM_PYTHON} with nbclient (apt-get install python3-nbclient)`);
  const jupyterPath = writeKernelSpec();
  const script = join(projectRoot(), 'tools', 'run_notebooks.py');
  const args = [script, '--out', outDir, ...(opts.cellTimeout ? ['--timeout', String(opts.cellTimeout)] : []), file];
  const started = Date.now();
  const env = { ...process.env, ...opts.env, JUPYTER_PATH: [jupyterPath, process.env.JUPYTER_PATH].filter(Boolean).join(':') };
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((res, rej) => {
    const child = spawn(SYSTEM_PYTHON, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('exit', (c) => res({ code: c, stderr: err }));
  });
  const out = join(outDir, basename(file));
  const seconds = (Date.now() - started) / 1000;
  if (code === 0) return { file, out, ok: true, seconds, signed: true };
  // run_notebooks.py prints "--- cell N:\n<source>\n--- stderr:\n<stderr>"
  const m = /--- cell (\d+):\n([\s\S]*?)\n--- stderr:\n([\s\S]*)$/.exec(stderr);
  const failure: CellFailure = m
    ? { index: Number(m[1]), source: m[2], stderr: m[3].trim(), reason: 'error' }
    : { index: -1, source: '', stderr: stderr.trim(), reason: 'error' };
  return { file, out, ok: false, seconds, failure, signed: existsSync(out) };
}
