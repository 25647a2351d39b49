/**
 * Cross-validation folds: group k-fold by study (one group per study, so every series and crop of
 * a study lands in the same fold), stratified on the 25 labels, seeded, saved as `study_id,fold`.
 * Porting note: the reference downloads a ready-made train_folded_v1.csv and merges it on implicit
 * common columns; we make the file when it is absent and join explicitly on study_id (§11 item 20).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv, writeCsv } from '../core/csv.js';
import { InputLayoutError } from '../core/errors.js';
import { outputDir } from '../core/paths.js';
import { Rng } from '../core/rng.js';
import { parseId } from './tables.js';
import { N_TARGETS } from './vocabulary.js';

/** Where the folds live unless a stage is told otherwise: `{output}/folds.csv`. */
export function defaultFoldsFile(): string {
  return join(outputDir(), 'folds.csv');
}

/**
 * Read `file` (study_id,fold) if it exists, else make k folds for `studyIds` and save them
 * atomically. Every requested study must have a fold in an existing file, and folds must be in
 * 0..k-1: a stale file is an error (delete it to regenerate), never silently fold −1.
 */
export function readOrMakeFolds(
  file: string,
  studyIds: readonly number[],
  labels: ReadonlyMap<number, Int8Array>,
  k: number,
  seed: number,
): Map<number, number> {
  if (!Number.isInteger(k) || k < 2) throw new InputLayoutError(`k must be an integer ≥ 2, got ${k}`, { file });
  let folds: Map<number, number>;
  if (existsSync(file)) folds = readFolds(file, studyIds, k);
  else {
    folds = makeFolds(studyIds, labels, k, seed);
    writeCsv(file, ['study_id', 'fold'], [...folds].sort((a, b) => a[0] - b[0]).map(([study_id, fold]) => ({ study_id, fold })));
  }
  // Every fold must validate something: a file made for a smaller k leaves the last folds empty.
  const used = new Set(studyIds.map((s) => folds.get(s)));
  const empty = Array.from({ length: k }, (_, f) => f).filter((f) => !used.has(f));
  if (empty.length) {
    throw new InputLayoutError(`the stage trains ${k} folds but no study is in fold(s) ${empty.join(', ')}: the folds file was made for another k (all stages must share it; delete it to regenerate)`, { file });
  }
  return folds;
}

export function readFolds(file: string, studyIds: readonly number[], k: number): Map<number, number> {
  const table = readCsv(file, ['study_id', 'fold']);
  const folds = new Map<number, number>();
  for (const row of table.rows) {
    const study = parseId(row, 'study_id', file);
    const fold = Number(row.values.fold.trim());
    if (!Number.isInteger(fold) || fold < 0 || fold >= k) {
      throw new InputLayoutError(`fold "${row.values.fold}" is not in 0..${k - 1} (made for another k? delete the file to regenerate)`, { file, line: row.line });
    }
    if (folds.has(study)) throw new InputLayoutError(`study ${study} is listed twice`, { file, line: row.line });
    folds.set(study, fold);
  }
  const missing = studyIds.filter((s) => !folds.has(s));
  if (missing.length) {
    throw new InputLayoutError(`${missing.length} studies have no fold (first: ${missing.slice(0, 3).join(', ')}); delete the file to regenerate`, { file });
  }
  return folds;
}

/**
 * Greedy stratification with exact fold sizes: each (target, class) pair, "missing" included, is a
 * stratum. Studies go one at a time, those with the rarest strata first (as in iterative
 * stratification, Sechidis et al. 2011); each joins the fold, among those not full, whose
 * remaining need for the study's strata is largest, each stratum weighted by 1/its size
 * (ties: the rng). Fold sizes differ by at most one, as the reference's 493/494 per fold.
 */
export function makeFolds(studyIds: readonly number[], labels: ReadonlyMap<number, Int8Array>, k: number, seed: number): Map<number, number> {
  const rng = new Rng(seed);
  const shuffled = rng.shuffle([...new Set(studyIds)].sort((a, b) => a - b));
  const n = shuffled.length;
  const nKeys = N_TARGETS * 4;
  const keysOf = new Map(shuffled.map((s) => {
    const l = labels.get(s);
    return [s, l ? Array.from(l, (c, t) => t * 4 + c + 1) : []] as const;
  }));
  const counts = new Float64Array(nKeys);
  for (const ks of keysOf.values()) for (const key of ks) counts[key]++;
  const rarity = new Map(shuffled.map((s) => [s, keysOf.get(s)!.reduce((a, key) => a + 1 / counts[key], 0)]));
  // Stable sort of a seeded shuffle: equal rarity keeps the random order.
  const order = shuffled.slice().sort((a, b) => rarity.get(b)! - rarity.get(a)!);
  const capacity = Array.from({ length: k }, (_, f) => Math.floor(n / k) + (f < n % k ? 1 : 0));
  // need[f][key]: how many more studies of this stratum fold f should receive.
  const need = capacity.map((c) => Float64Array.from(counts, (v) => (v * c) / Math.max(n, 1)));
  const out = new Map<number, number>();
  for (const s of order) {
    const keys = keysOf.get(s)!;
    let best = -1;
    let bestScore = -Infinity;
    let ties = 0;
    for (let f = 0; f < k; f++) {
      if (capacity[f] <= 0) continue;
      // Without labels only the fold sizes matter.
      let score = keys.length ? 0 : capacity[f];
      for (const key of keys) score += need[f][key] / counts[key];
      if (score > bestScore + 1e-12) { best = f; bestScore = score; ties = 1; }
      else if (Math.abs(score - bestScore) <= 1e-12 && rng.random() < 1 / ++ties) best = f;
    }
    capacity[best]--;
    for (const key of keys) need[best][key]--;
    out.set(s, best);
  }
  return out;
}
