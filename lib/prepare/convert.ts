/**
 * One series → `stacks/{study}_{series}.npy` (slices × rows × cols, stored dtype) and its sidecar
 * `stacks/{study}_{series}.json` (frames and geometry). The sidecar is written last, atomically:
 * its presence marks the series finished, so a killed run resumes where it stopped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { writeNpy, type NpyDtype } from '../core/npy.js';
import { readSeries } from '../dicom/folder.js';
import type { SliceGeometry } from '../dicom/series.js';

export interface SeriesTask {
  studyId: number;
  seriesId: number;
  description: string;
  /** The series folder `{input}/{split}_images/{study}/{series}`. */
  dir: string;
  /** The prepared split folder (holds `stacks/`). */
  outDir: string;
}

/** The sidecar of a finished series. */
export interface SeriesSidecar {
  studyId: number;
  seriesId: number;
  description: string;
  /** Instance numbers in stack order (the reference's df_frames `frames`). */
  frames: number[];
  shape: [number, number, number];
  dtype: NpyDtype;
  normal: [number, number, number];
  nBlocks: number;
  /** Per stack slice; `file` is the file name inside the series folder. */
  geometry: SliceGeometry[];
}

export const stackName = (studyId: number, seriesId: number) => `${studyId}_${seriesId}`;
export const stackPath = (outDir: string, studyId: number, seriesId: number) => join(outDir, 'stacks', `${stackName(studyId, seriesId)}.npy`);
export const sidecarPath = (outDir: string, studyId: number, seriesId: number) => join(outDir, 'stacks', `${stackName(studyId, seriesId)}.json`);

/** The sidecar of a finished series, or null if the series still has to be converted. */
export function finishedSidecar(outDir: string, studyId: number, seriesId: number): SeriesSidecar | null {
  const side = sidecarPath(outDir, studyId, seriesId);
  if (!existsSync(side) || !existsSync(stackPath(outDir, studyId, seriesId))) return null;
  return JSON.parse(readFileSync(side, 'utf8')) as SeriesSidecar;
}

export async function convertSeries(task: SeriesTask): Promise<SeriesSidecar> {
  const stack = await readSeries(task.dir);
  const [n, rows, cols] = stack.pixels.shape;
  writeNpy(stackPath(task.outDir, task.studyId, task.seriesId), stack.pixels);
  const sidecar: SeriesSidecar = {
    studyId: task.studyId,
    seriesId: task.seriesId,
    description: task.description,
    frames: stack.instanceNumbers,
    shape: [n, rows, cols],
    dtype: stack.pixels.dtype,
    normal: stack.normal,
    nBlocks: stack.nBlocks,
    geometry: stack.geometry.map((g) => ({ ...g, file: basename(g.file) })),
  };
  writeJsonAtomic(sidecarPath(task.outDir, task.studyId, task.seriesId), sidecar);
  return sidecar;
}
