import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Content fingerprints that decide whether a stage must run again: a stage is skipped only when
 * its notebook, the library, the preset, the input data and every upstream stage are unchanged.
 */
export function hashParts(parts: ReadonlyArray<string | Uint8Array>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

function walk(dir: string, keep: (name: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, keep, out);
    else if (keep(e.name)) out.push(p);
  }
  return out.sort();
}

/** The library's TypeScript sources (a change anywhere re-runs every stage: simple and safe). */
export function librarySourceHash(libDir: string): string {
  const files = walk(libDir, (n) => n.endsWith('.ts') || n.endsWith('.mjs'));
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
