/** Read a prepared split back: its series table with geometry, one stack, the mapped labels. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv, type CsvRow } from '../core/csv.js';
import { ArtefactError } from '../core/errors.js';
import { readNpy, type NdArray } from '../core/npy.js';
import { CONDITIONS, LEVELS, type Condition, type Level } from '../data/vocabulary.js';
import { stackPath } from './convert.js';
import { FRAMES_COLUMNS, GEOMETRY_COLUMNS, LABEL_COLUMNS } from './prepare.js';
import type { MappedLabel } from './labels.js';

export interface PreparedSlice {
  z: number;
  instanceNumber: number;
  block: number;
  position: [number, number, number];
  orientation: [number, number, number, number, number, number];
  projection: number;
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  spacingBetweenSlices: number | null;
  resampledFrom: [number, number] | null;
}

export interface PreparedSeries {
  studyId: number;
  seriesId: number;
  description: string;
  /** Instance numbers in stack order. */
  frames: number[];
  /** [slices, rows, cols] of the stack. */
  shape: [number, number, number];
  geometry: PreparedSlice[];
  nBlocks: number;
  /** Path of the stack's .npy. */
  path: string;
}

function need(dir: string, name: string): string {
  const f = join(dir, name);
  if (!existsSync(f)) throw new ArtefactError(`${name} not found: run \`spinelab prepare\` first`, { file: f });
  return f;
}

const num = (r: CsvRow, c: string): number => Number(r.values[c]);
const opt = (r: CsvRow, c: string): number | null => (r.values[c] === '' ? null : Number(r.values[c]));

/** Every prepared series of the folder, with per-slice geometry, in frames.csv order. */
export function loadPrepared(dir: string): PreparedSeries[] {
  const frames = readCsv(need(dir, 'frames.csv'), FRAMES_COLUMNS);
  const geometry = readCsv(need(dir, 'geometry.csv'), GEOMETRY_COLUMNS);
  const slices = new Map<string, { rows: number; cols: number; slice: PreparedSlice }[]>();
  for (const r of geometry.rows) {
    const key = `${r.values.study_id}/${r.values.series_id}`;
    const rf = opt(r, 'resampled_from_rows');
    const ps = opt(r, 'pixel_spacing_row');
    const list = slices.get(key) ?? [];
    list.push({
      rows: num(r, 'rows'), cols: num(r, 'cols'),
      slice: {
        z: num(r, 'z'), instanceNumber: num(r, 'instance_number'), block: num(r, 'block'),
        position: [num(r, 'position_x'), num(r, 'position_y'), num(r, 'position_z')],
        orientation: [num(r, 'row_x'), num(r, 'row_y'), num(r, 'row_z'), num(r, 'col_x'), num(r, 'col_y'), num(r, 'col_z')],
        projection: num(r, 'projection'),
        pixelSpacing: ps === null ? null : [ps, num(r, 'pixel_spacing_col')],
        sliceThickness: opt(r, 'slice_thickness'), spacingBetweenSlices: opt(r, 'spacing_between_slices'),
        resampledFrom: rf === null ? null : [rf, num(r, 'resampled_from_cols')],
      },
    });
    slices.set(key, list);
  }
  return frames.rows.map((r) => {
    const studyId = num(r, 'study_id');
    const seriesId = num(r, 'series_id');
    const list = (slices.get(`${r.values.study_id}/${r.values.series_id}`) ?? []).sort((a, b) => a.slice.z - b.slice.z);
    let f: number[];
    try {
      f = JSON.parse(r.values.frames);
    } catch {
      throw new ArtefactError(`frames "${r.values.frames.slice(0, 40)}" is not a list`, { file: frames.file, line: r.line });
    }
    if (!list.length || list.length !== f.length) throw new ArtefactError(`geometry.csv has ${list.length} slices for a stack of ${f.length} frames`, { file: frames.file, line: r.line });
    return {
      studyId, seriesId, description: r.values.series_description, frames: f,
      shape: [f.length, list[0].rows, list[0].cols],
      geometry: list.map((x) => x.slice),
      nBlocks: new Set(list.map((x) => x.slice.block)).size,
      path: stackPath(dir, studyId, seriesId),
    };
  });
}

/** One stack: [slices, rows, cols], stored dtype. */
export function loadStack(dir: string, studyId: number, seriesId: number): NdArray {
  const f = stackPath(dir, studyId, seriesId);
  if (!existsSync(f)) throw new ArtefactError('stack not found (series not prepared, or failed: see errors.csv)', { file: f, studyId, seriesId });
  return readNpy(f);
}

/** label_coordinates.csv of a prepared training split: every point with its stack index z (−1: unmapped). */
export function loadLabelPoints(dir: string): MappedLabel[] {
  const t = readCsv(need(dir, 'label_coordinates.csv'), LABEL_COLUMNS);
  return t.rows.map((r) => {
    const condition = r.values.condition as Condition;
    const level = r.values.level as Level;
    if (!CONDITIONS.includes(condition) || !LEVELS.includes(level)) throw new ArtefactError(`unknown condition/level "${condition}" / "${level}"`, { file: t.file, line: r.line });
    return {
      studyId: num(r, 'study_id'), seriesId: num(r, 'series_id'), instanceNumber: num(r, 'instance_number'), z: num(r, 'z'),
      condition, level, x: num(r, 'x'), y: num(r, 'y'),
      ...(r.values.problem ? { problem: r.values.problem } : {}),
    };
  });
}
