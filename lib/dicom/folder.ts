/** A series folder on disk → one stack ordered in space (series.ts does the ordering). */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DicomError } from '../core/errors.js';
import { readDicomFile } from './file.js';
import type { PixelOptions } from './pixels.js';
import { seriesSlice, stackSlices, type SeriesSlice, type SeriesStack } from './series.js';

/** The DICOM files of a series folder: `*.dcm` if any, else every visible regular file. */
export function listSeriesFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch (e) {
    throw new DicomError(`cannot list series folder (${(e as Error).message})`, { file: dir });
  }
  const dcm = names.filter((n) => n.toLowerCase().endsWith('.dcm'));
  const files = (dcm.length ? dcm : names).map((n) => join(dir, n)).filter((f) => statSync(f).isFile());
  if (!files.length) throw new DicomError('no DICOM files in series folder', { file: dir });
  return files;
}

/** Read, decode and order every slice of a series folder (one single-frame file per slice). */
export async function readSeries(dir: string, opts: PixelOptions = {}): Promise<SeriesStack> {
  const slices: SeriesSlice[] = [];
  for (const file of listSeriesFiles(dir)) slices.push(seriesSlice(file, await readDicomFile(file, opts)));
  return stackSlices(dir, slices);
}
