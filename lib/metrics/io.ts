import { readCsv, type CsvRow } from '../core/csv.js';
import { InputLayoutError } from '../core/errors.js';
import { readTrainLabels } from '../data/tables.js';
import { SUBMISSION_CLASSES } from '../data/vocabulary.js';
import { solutionFromLabels, type SolutionRow } from './score.js';

/**
 * Files the `score` command reads: a submission CSV (`row_id,normal_mild,moderate,severe`), and
 * labels as either Kaggle's wide train.csv or a solution CSV (row_id, one-hot classes, optional
 * sample_weight). Bad cells are reported with file and line.
 */

function numberCell(row: CsvRow, column: string, file: string): number {
  const s = row.values[column].trim();
  const v = Number(s);
  // Non-finite values are parsed (not rejected here) so the scorer reports them by row id.
  if (s === '' || (Number.isNaN(v) && !/^[+-]?(nan|inf(inity)?)$/i.test(s))) {
    throw new InputLayoutError(`column ${column}: "${s}" is not a number`, { file, line: row.line });
  }
  return Number.isNaN(v) ? (/inf/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : NaN) : v;
}

/** submission.csv → row id → [normal_mild, moderate, severe]. A repeated row id is an error. */
export function readSubmissionCsv(file: string): Map<string, number[]> {
  const table = readCsv(file, ['row_id', ...SUBMISSION_CLASSES]);
  const out = new Map<string, number[]>();
  for (const row of table.rows) {
    const id = row.values.row_id.trim();
    if (out.has(id)) throw new InputLayoutError(`row_id "${id}" appears twice`, { file, line: row.line });
    out.set(id, SUBMISSION_CLASSES.map((c) => numberCell(row, c, file)));
  }
  return out;
}

/**
 * A solution CSV (Kaggle's format). Rows whose one-hot sums to 0 are unlabelled and skipped; a
 * missing `sample_weight` column means 2^class (the host's weights).
 */
export function readSolutionCsv(file: string): SolutionRow[] {
  const table = readCsv(file, ['row_id', ...SUBMISSION_CLASSES]);
  const hasWeight = table.columns.includes('sample_weight');
  const rows: SolutionRow[] = [];
  for (const row of table.rows) {
    const y = SUBMISSION_CLASSES.map((c) => numberCell(row, c, file)) as [number, number, number];
    if (y.some((v) => !(v === 0 || v === 1))) throw new InputLayoutError(`one-hot columns must be 0 or 1, got ${y.join(',')}`, { file, line: row.line });
    const sum = y[0] + y[1] + y[2];
    if (sum === 0) continue;
    if (sum !== 1) throw new InputLayoutError(`row has ${sum} classes set, expected exactly one`, { file, line: row.line });
    const weight = hasWeight ? numberCell(row, 'sample_weight', file) : 2 ** y.indexOf(1);
    if (!(weight > 0)) throw new InputLayoutError(`sample_weight must be positive, got ${weight}`, { file, line: row.line });
    rows.push({ rowId: row.values.row_id.trim(), y, weight });
  }
  return rows;
}

/** Labels for scoring from either format, told apart by the header (`study_id` = train.csv). */
export function readLabelsAsSolution(file: string): SolutionRow[] {
  const columns = readCsv(file).columns;
  if (columns.includes('row_id')) return readSolutionCsv(file);
  if (columns.includes('study_id')) return solutionFromLabels(readTrainLabels(file));
  throw new InputLayoutError(`neither a solution CSV (row_id, ${SUBMISSION_CLASSES.join(', ')}) nor train.csv (study_id + 25 targets); columns: ${columns.join(', ')}`, { file, line: 1 });
}
