import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { readCsv, writeCsv } from '../core/csv.js';
import { ArtefactError } from '../core/errors.js';
import { readNpy, writeNpy } from '../core/npy.js';
import type { FoldResult, PredictionKind, Row, TrainConfig, TrainManifest, TrainTask } from './types.js';

/**
 * The files of one model folder `{out}/models/{name}/` (layout in types.ts, TrainManifest).
 * Every file is written atomically; a fold's `result.json` is written last, so its presence means
 * the fold (checkpoint + validation predictions) is complete and a rerun skips it.
 */

export function modelDir(outDir: string, name: string): string {
  return join(outDir, 'models', name);
}

export function foldDirName(fold: number | 'fullfit'): string {
  return fold === 'fullfit' ? 'fullfit' : `fold_${fold}`;
}

export const oofFile = (kind: PredictionKind) => `oof_${kind}.npy`;
export const OOF_ROWS = 'oof_rows.csv';
export const MANIFEST = 'manifest.json';
const RESULT = 'result.json';

/**
 * What must match for a finished fold to be reused: the training config minus the fold selection,
 * the task's meta, and the data size. Stored in result.json.
 */
export function fingerprint(task: TrainTask, config: TrainConfig): string {
  const { folds: _folds, fullFit: _fullFit, ...rest } = config;
  return JSON.stringify({ config: rest, meta: task.meta ?? {}, rows: task.data.rows.length, kind: task.outputKind });
}

interface StoredResult {
  fingerprint: string;
  result: FoldResult;
}

/** A finished fold's result, or null. Throws if it was made with another configuration. */
export function readFinishedFold(dir: string, fp: string, onChange: 'error' | 'retrain'): FoldResult | null {
  const file = join(dir, RESULT);
  if (!existsSync(file)) return null;
  let stored: StoredResult;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ArtefactError(`cannot parse: ${(e as Error).message}`, { file });
  }
  if (stored.fingerprint === fp) return stored.result;
  if (onChange === 'retrain') return null;
  throw new ArtefactError(
    'this fold was trained with another configuration or data; delete the folder or pass onConfigChange: "retrain" (CLI: --retrain)',
    { file },
  );
}

export function writeFoldResult(dir: string, fp: string, result: FoldResult): void {
  writeJsonAtomic(join(dir, RESULT), { fingerprint: fp, result } satisfies StoredResult);
}

/** A fold's validation predictions and their rows (row columns + `fold`). */
export function writeFoldPredictions(dir: string, kind: PredictionKind, data: Float32Array, shape: number[], rows: Row[], columns: readonly string[]): void {
  writeNpy(join(dir, `val_${kind}.npy`), { data, shape });
  writeCsv(join(dir, 'val_rows.csv'), [...columns, 'fold'], rows);
}

export function readFoldPredictions(dir: string, kind: PredictionKind): { data: Float32Array; shape: number[] } {
  const file = join(dir, `val_${kind}.npy`);
  if (!existsSync(file)) throw new ArtefactError('validation predictions of a finished fold are missing', { file });
  const a = readNpy(file);
  if (!(a.data instanceof Float32Array)) throw new ArtefactError(`expected float32, found ${a.dtype}`, { file });
  return { data: a.data, shape: a.shape };
}

/** The OOF files (row-aligned predictions + rows) and the manifest. */
export function writeOof(dir: string, manifest: TrainManifest, data: Float32Array, rows: Row[], columns: readonly string[]): void {
  writeNpy(join(dir, manifest.oof), { data, shape: manifest.shape });
  writeCsv(join(dir, manifest.rows), [...columns, 'fold'], rows);
  writeJsonAtomic(join(dir, MANIFEST), manifest);
}

export interface OofFiles {
  manifest: TrainManifest;
  /** C order, `manifest.shape`. */
  data: Float32Array;
  /** Row table as strings (CSV), row-aligned with `data`. */
  rows: Record<string, string>[];
}

/** Read a model folder's OOF predictions, checking kind, shape and row count. */
export function readOof(dir: string, expectKind?: PredictionKind): OofFiles {
  const mfile = join(dir, MANIFEST);
  if (!existsSync(mfile)) throw new ArtefactError('no manifest.json: this model has no complete OOF predictions (train all folds first)', { file: dir });
  const manifest = JSON.parse(readFileSync(mfile, 'utf8')) as TrainManifest;
  if (expectKind && manifest.kind !== expectKind) {
    throw new ArtefactError(`holds ${manifest.kind}, ${expectKind} expected`, { file: mfile });
  }
  const npyFile = join(dir, manifest.oof);
  const a = readNpy(npyFile);
  if (a.dtype !== 'float32') throw new ArtefactError(`expected float32, found ${a.dtype}`, { file: npyFile });
  if (JSON.stringify(a.shape) !== JSON.stringify(manifest.shape)) {
    throw new ArtefactError(`shape ${JSON.stringify(a.shape)} differs from the manifest's ${JSON.stringify(manifest.shape)}`, { file: npyFile });
  }
  const table = readCsv(join(dir, manifest.rows));
  if (table.rows.length !== a.shape[0]) {
    throw new ArtefactError(`${table.rows.length} rows for ${a.shape[0]} predictions`, { file: table.file });
  }
  return { manifest, data: a.data as Float32Array, rows: table.rows.map((r) => r.values) };
}

/** One line per event in `log.txt` (a log, appended; not an artefact a rerun relies on). */
export function appendLog(file: string, line: string): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
}
