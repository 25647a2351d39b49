import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Content fingerprints that decide whether a stage must run again: a stage is skipped only when
 * its notebook, the library code it runs, the preset, the input data and every upstream stage are
 * unchanged.
 */
export function hashParts(parts: ReadonlyArray<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/** Every file below `dir` whose name passes `keep`, sorted (once, not per folder). */
function walk(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (keep(e.name)) out.push(p);
    }
  };
  if (existsSync(dir)) visit(dir);
  return out.sort();
}

/** Relative module specifiers in a source file: static and dynamic imports, `new URL('./x', …)`. */
const RELATIVE_SPECIFIER = /['"](\.\.?\/[^'"\n]+?\.(?:[cm]?[jt]s|json))['"]/g;
/** The notebooks' library imports, `@spinelab/lib/<module>` (the package's front doors). */
const LIB_SPECIFIER = /['"]@spinelab\/lib\/([a-z0-9_-]+)['"]/g;

/** A specifier's file on disk: TypeScript sources are imported under their `.js` names. */
function resolveModule(fromDir: string, spec: string): string | null {
  const p = join(fromDir, spec);
  const candidates = p.endsWith('.js') ? [p.slice(0, -3) + '.ts', p] : [p];
  return candidates.find((c) => existsSync(c)) ?? null;
}

/**
 * The library files a notebook can run: the front doors it imports (`@spinelab/lib/<module>`) and,
 * transitively, every module they import, worker entries included. Sorted absolute paths.
 */
export function notebookLibraryFiles(libDir: string, notebookSource: string): string[] {
  const seen = new Set<string>();
  const queue: string[] = [];
  const visit = (file: string | null) => {
    if (file && !seen.has(file)) {
      seen.add(file);
      queue.push(file);
    }
  };
  for (const m of notebookSource.matchAll(LIB_SPECIFIER)) visit(resolveModule(join(libDir, m[1]), './index.js'));
  while (queue.length) {
    const file = queue.pop()!;
    if (file.endsWith('.json')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(RELATIVE_SPECIFIER)) visit(resolveModule(dirname(file), m[1]));
  }
  return [...seen].sort();
}

/**
 * The library code a stage's notebook runs (its import closure), by content. A change elsewhere in
 * lib/ does not re-run the stage; a change upstream still does, through the upstream stamp.
 */
export function stageLibraryHash(libDir: string, notebookSource: string): string {
  const files = notebookLibraryFiles(libDir, notebookSource);
  return hashParts(files.flatMap((f) => [relative(libDir, f), readFileSync(f)]));
}

/**
 * The input data: the CSV tables by content, the DICOM files by path and size (hashing gigabytes
 * of pixels for a resume check would cost more than it saves).
 */
export function inputFingerprint(inputDir: string): string {
  const csvs = readdirSync(inputDir).filter((n) => n.endsWith('.csv')).sort().map((n) => join(inputDir, n));
  const dicoms = ['train_images', 'test_images'].flatMap((d) => walk(join(inputDir, d), (n) => n.endsWith('.dcm')));
  return hashParts([
    ...csvs.flatMap((f) => [relative(inputDir, f), readFileSync(f)]),
    ...dicoms.map((f) => `${relative(inputDir, f)}:${statSync(f).size}`),
  ]);
}

/** True when `dir` holds competition data (the user's download or generated studies). */
export function hasCompetitionData(dir: string): boolean {
  return existsSync(join(dir, 'train.csv')) && existsSync(join(dir, 'train_series_descriptions.csv'));
}
