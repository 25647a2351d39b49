/**
 * The Kaggle submission file: `row_id,normal_mild,moderate,severe`, one row per study and target
 * (25 per study), studies ascending, targets in TARGETS order; and its validation.
 */
import { existsSync, readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { writeFileAtomic } from '../core/atomic.js';
import { rowId, TARGETS } from '../data/vocabulary.js';
import { submissionLines, SUBMISSION_HEADER } from './core.js';

export { SUBMISSION_HEADER } from './core.js';
/** Largest |row sum − 1| accepted by {@link validateSubmission}. */
export const SUM_TOLERANCE = 1e-6;

/**
 * Write the submission for `studyIds` (sorted ascending here) from per-study probabilities
 * (75 numbers: 25 targets × 3 classes, C order); rows as `submissionLines` makes them.
 */
export function writeSubmission(file: string, studyIds: readonly number[], probs: ReadonlyMap<number, ArrayLike<number>>): number {
  const lines = submissionLines(studyIds, probs);
  writeFileAtomic(file, lines.join('\n') + '\n');
  return lines.length - 1;
}

/** Row ids every study of a descriptions CSV needs, or those a sample submission lists. */
function expectedRows(reference: string): { ids: string[]; kind: 'descriptions' | 'sample' } | string {
  if (!existsSync(reference)) return `reference file not found: ${reference}`;
  const parsed = Papa.parse<string[]>(readFileSync(reference, 'utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const [header, ...rows] = parsed.data;
  if (!header) return `${reference}: empty`;
  const cols = header.map((c) => c.trim());
  if (cols[0] === 'row_id') return { ids: rows.map((r) => r[0].trim()), kind: 'sample' };
  const at = cols.indexOf('study_id');
  if (at < 0) return `${reference}: neither a sample submission (row_id, …) nor a series descriptions file (study_id, …); header ${cols.join(',')}`;
  const studies = [...new Set(rows.map((r) => Number(r[at])))].sort((a, b) => a - b);
  return { ids: studies.flatMap((s) => TARGETS.map((_, j) => rowId(s, j))), kind: 'descriptions' };
}

/**
 * Check a submission file against Kaggle's format. `reference` is a series descriptions CSV (every
 * study of it must have its 25 rows, and no other study may appear) or a sample submission (its
 * header must match and each of its rows must be present). Returns the problems found, [] when
 * valid; at most `limit` per kind, then a count.
 */
export function validateSubmission(file: string, reference: string, limit = 5): string[] {
  const problems: string[] = [];
  const kinds = new Map<string, number>();
  const add = (kind: string, message: string) => {
    const n = (kinds.get(kind) ?? 0) + 1;
    kinds.set(kind, n);
    if (n <= limit) problems.push(message);
  };
  if (!existsSync(file)) return [`submission not found: ${file}`];
  const parsed = Papa.parse<string[]>(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' });
  const [header, ...rows] = parsed.data;
  if (!header) return [`${file}: empty file`];
  if (header.join(',') !== SUBMISSION_HEADER.join(',')) add('header', `${file}:1: header is "${header.join(',')}", expected "${SUBMISSION_HEADER.join(',')}"`);

  const seen = new Set<string>();
  rows.forEach((cells, i) => {
    const line = i + 2;
    if (cells.length !== SUBMISSION_HEADER.length) return add('fields', `${file}:${line}: ${cells.length} fields, expected ${SUBMISSION_HEADER.length}`);
    const id = cells[0];
    if (seen.has(id)) add('duplicate', `${file}:${line}: row_id ${id} appears twice`);
    seen.add(id);
    const m = /^(\d+)_(.+)$/.exec(id);
    if (!m || !TARGETS.includes(m[2])) add('row_id', `${file}:${line}: row_id "${id}" is not {study_id}_{target}`);
    const v = cells.slice(1).map((c) => (c.trim() === '' ? NaN : Number(c)));
    if (!v.every((x) => Number.isFinite(x) && x >= 0 && x <= 1)) return add('value', `${file}:${line}: ${id}: values ${cells.slice(1).join(', ')} are not probabilities in [0, 1]`);
    const s = v[0] + v[1] + v[2];
    if (Math.abs(s - 1) > SUM_TOLERANCE) add('sum', `${file}:${line}: ${id}: row sums to ${s}, not 1`);
  });

  const expected = expectedRows(reference);
  if (typeof expected === 'string') {
    add('reference', expected);
  } else {
    const want = new Set(expected.ids);
    for (const id of expected.ids) if (!seen.has(id)) add('missing', `row ${id} is missing (required by ${reference})`);
    if (expected.kind === 'descriptions') {
      for (const id of seen) if (!want.has(id)) add('extra', `row ${id} is not a target of a study in ${reference}`);
    }
  }
  for (const [kind, n] of kinds) if (n > limit) problems.push(`… and ${n - limit} more "${kind}" problems`);
  return problems;
}
