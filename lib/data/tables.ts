/**
 * Typed, validated loaders for the competition CSVs (reference §1.2). Every value is converted in
 * typed code from strings (readCsv keeps IDs exact), so a bad cell is reported with its file and
 * line instead of turning into NaN further down.
 * Porting note: the reference reads these with pandas and trusts them; we check columns, values,
 * and duplicates, and never join on implicit common columns (§11 item 20).
 */
import { readCsv, type CsvRow } from '../core/csv.js';
import { InputLayoutError } from '../core/errors.js';
import {
  CONDITIONS, LEVELS, N_TARGETS, SUBMISSION_CLASSES, TARGETS,
  severityFromString, type Condition, type Level,
} from './vocabulary.js';

/** One row of {train,test}_series_descriptions.csv. */
export interface SeriesRow {
  studyId: number;
  seriesId: number;
  /** As written in the CSV, e.g. `Sagittal T2/STIR` (select series by the full description, §11 item 21). */
  description: string;
}

/** One annotated point of train_label_coordinates.csv; x, y in native pixels of that instance. */
export interface LabelPoint {
  studyId: number;
  seriesId: number;
  instanceNumber: number;
  condition: Condition;
  level: Level;
  x: number;
  y: number;
}

/** One row of sample_submission.csv, with its row id split into study and target index. */
export interface SubmissionRow {
  rowId: string;
  studyId: number;
  /** Index into TARGETS (0..24). */
  target: number;
}

/** Parse a non-negative integer ID (study, series, instance); IDs reach 4.3e9, exact in a double. */
export function parseId(row: CsvRow, column: string, file: string): number {
  const s = row.values[column].trim();
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new InputLayoutError(`column ${column}: "${s}" is not an integer ID`, { file, line: row.line });
  }
  return Number(s);
}

function parseFloatCell(row: CsvRow, column: string, file: string): number {
  const s = row.values[column].trim();
  const v = Number(s);
  if (s === '' || !Number.isFinite(v)) throw new InputLayoutError(`column ${column}: "${s}" is not a number`, { file, line: row.line });
  return v;
}

/**
 * train.csv → study id → 25 labels (0 Normal/Mild, 1 Moderate, 2 Severe, -1 missing) in TARGETS
 * order. Extra columns are ignored; a missing target column, an unknown severity string or a
 * study listed twice is an InputLayoutError naming the file and line.
 */
export function readTrainLabels(file: string): Map<number, Int8Array> {
  const table = readCsv(file, ['study_id', ...TARGETS]);
  const out = new Map<number, Int8Array>();
  for (const row of table.rows) {
    const studyId = parseId(row, 'study_id', file);
    if (out.has(studyId)) throw new InputLayoutError(`study ${studyId} is listed twice`, { file, line: row.line });
    const labels = new Int8Array(N_TARGETS);
    for (let t = 0; t < N_TARGETS; t++) {
      const v = severityFromString(row.values[TARGETS[t]]);
      if (v === null) {
        throw new InputLayoutError(`column ${TARGETS[t]}: unknown severity "${row.values[TARGETS[t]]}" (expected Normal/Mild, Moderate, Severe or empty)`, { file, line: row.line });
      }
      labels[t] = v;
    }
    out.set(studyId, labels);
  }
  return out;
}

/** {train,test}_series_descriptions.csv; a (study, series) pair listed twice is an error. */
export function readSeriesDescriptions(file: string): SeriesRow[] {
  const table = readCsv(file, ['study_id', 'series_id', 'series_description']);
  const seen = new Set<string>();
  return table.rows.map((row) => {
    const studyId = parseId(row, 'study_id', file);
    const seriesId = parseId(row, 'series_id', file);
    const key = `${studyId}/${seriesId}`;
    if (seen.has(key)) throw new InputLayoutError(`series ${seriesId} of study ${studyId} is listed twice`, { file, line: row.line });
    seen.add(key);
    const description = row.values.series_description.trim();
    if (!description) throw new InputLayoutError('empty series_description', { file, line: row.line });
    return { studyId, seriesId, description };
  });
}

/** train_label_coordinates.csv; condition and level must be the competition's spellings. */
export function readLabelCoordinates(file: string): LabelPoint[] {
  const table = readCsv(file, ['study_id', 'series_id', 'instance_number', 'condition', 'level', 'x', 'y']);
  return table.rows.map((row) => {
    const condition = row.values.condition.trim() as Condition;
    if (!CONDITIONS.includes(condition)) throw new InputLayoutError(`unknown condition "${condition}"`, { file, line: row.line });
    const level = row.values.level.trim() as Level;
    if (!LEVELS.includes(level)) throw new InputLayoutError(`unknown level "${level}"`, { file, line: row.line });
    return {
      studyId: parseId(row, 'study_id', file),
      seriesId: parseId(row, 'series_id', file),
      instanceNumber: parseId(row, 'instance_number', file),
      condition,
      level,
      x: parseFloatCell(row, 'x', file),
      y: parseFloatCell(row, 'y', file),
    };
  });
}

/** sample_submission.csv: `row_id,normal_mild,moderate,severe`, row id `{study}_{target}`. */
export function readSampleSubmission(file: string): SubmissionRow[] {
  const table = readCsv(file, ['row_id', ...SUBMISSION_CLASSES]);
  const seen = new Set<string>();
  return table.rows.map((row) => {
    const rowId = row.values.row_id.trim();
    const m = /^(\d+)_(.+)$/.exec(rowId);
    const target = m ? TARGETS.indexOf(m[2]) : -1;
    if (!m || target < 0) throw new InputLayoutError(`row_id "${rowId}" is not {study_id}_{target}`, { file, line: row.line });
    if (seen.has(rowId)) throw new InputLayoutError(`row_id ${rowId} is listed twice`, { file, line: row.line });
    seen.add(rowId);
    return { rowId, studyId: Number(m[1]), target };
  });
}

/** Unique study ids of a series table, in first-seen order. */
export function studiesOf(series: readonly SeriesRow[]): number[] {
  return [...new Set(series.map((s) => s.studyId))];
}
