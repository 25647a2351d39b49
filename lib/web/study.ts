/**
 * A study from files in memory (the files a user drops on the page): headers read, files grouped
 * into series by SeriesInstanceUID (not by folder), each series typed by the shared rule
 * (lib/data/series-type.ts, or the competition's descriptions CSV when it is among the files), and
 * the sagittal series decoded and ordered in space by the same lib/dicom code as `spinelab prepare`.
 * IO-free: the page hands File objects, the tests files read from disk.
 *
 * Bad input never stops the reading: a file that is not DICOM, a slice that cannot be decoded, a
 * second study, a series over the size limit become `problems` (shown by the page) and the rest is
 * read. A selection over the file/byte limits is refused before anything is read.
 */
import Papa from 'papaparse';
import { asError, SpinelabError } from '../core/errors.js';
import type { OnProgress } from '../core/progress.js';
import { seriesType, type SeriesType } from '../data/series-type.js';
import { isSagittal, SERIES_DESCRIPTIONS, type SeriesDescription } from '../data/vocabulary.js';
import { decodeDicom } from '../dicom/decode.js';
import { parseDicom, type DicomHeader } from '../dicom/header.js';
import { canonicalNormal, seriesSlice, sliceNormal, stackSlices, type SeriesSlice, type SeriesStack } from '../dicom/series.js';

/** One file of the selection: its path relative to what was dropped, its size, its bytes on demand. */
export interface StudyFile {
  path: string;
  size: number;
  read(): Promise<Uint8Array>;
}

/** What a browser tab can hold; the page says which limit a selection broke. */
export interface StudyLimits {
  /** Files in the selection. */
  maxFiles: number;
  /** Total bytes of the selection. */
  maxBytes: number;
  /** Pixels of all the sagittal slices decoded (2 bytes each, more while the crops are cut). */
  maxSagittalPixels: number;
}

export const STUDY_LIMITS: StudyLimits = { maxFiles: 5000, maxBytes: 2 * 1024 ** 3, maxSagittalPixels: 96 * 1024 ** 2 };

export type ProblemKind = 'not-dicom' | 'corrupt-slice' | 'too-large' | 'other-study' | 'no-sagittal';

/** Something the page tells the user; the reading went on. */
export interface StudyProblem {
  kind: ProblemKind;
  message: string;
  /** The file it is about, where one is. */
  file?: string;
}

/** The selection broke a limit of {@link StudyLimits}: nothing was read. */
export class StudyTooLargeError extends SpinelabError {}

export interface StudySeriesRead {
  /** SeriesInstanceUID (or the folder, for files without one). */
  uid: string;
  /** The series folder's name when it is a number (the competition layout), else 1, 2, … */
  seriesId: number;
  /** Folder of its first file, for messages. */
  folder: string;
  files: number;
  plane: SeriesType['plane'] | 'unknown';
  description: SeriesDescription | null;
  /** Where the type came from: the descriptions CSV, or the headers (and which of them). */
  typeReason: string;
  /** The decoded, ordered stack (sagittal series the models read; null for the others). */
  stack: SeriesStack | null;
  /** First header, for the display window. */
  header: DicomHeader;
  /** Slices left out of the stack (could not be decoded), with the reason. */
  badSlices: Array<{ file: string; error: string }>;
}

export interface StudyRead {
  /** The study folder's name when it is a number (competition layout), else 0. */
  studyId: number;
  studyInstanceUid: string;
  series: StudySeriesRead[];
  problems: StudyProblem[];
  /** Files read as DICOM / not. */
  dicomFiles: number;
  skippedFiles: number;
}

/** Group items by a key, in first-seen order. */
function groupBy<T>(items: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of items) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

const folderOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/')));
const nameOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const numeric = (name: string | undefined) => (name !== undefined && /^\d+$/.test(name) ? Number(name) : undefined);

/** `study_id,series_id,series_description` rows of a descriptions CSV among the files. */
function parseDescriptions(text: string): Map<string, SeriesDescription> {
  const out = new Map<string, SeriesDescription>();
  const rows = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: 'greedy' }).data;
  for (const r of rows) {
    const d = (r.series_description ?? '').trim();
    if ((SERIES_DESCRIPTIONS as readonly string[]).includes(d)) out.set(`${(r.study_id ?? '').trim()}_${(r.series_id ?? '').trim()}`, d as SeriesDescription);
  }
  return out;
}

/** Check a selection against the limits before reading it. */
export function checkLimits(files: readonly StudyFile[], limits: StudyLimits = STUDY_LIMITS): void {
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (files.length > limits.maxFiles) throw new StudyTooLargeError(`${files.length} files selected: this page reads at most ${limits.maxFiles} (one study at a time)`);
  if (bytes > limits.maxBytes) throw new StudyTooLargeError(`${gib(bytes)} selected: this page reads at most ${gib(limits.maxBytes)} (one study at a time)`);
}

/**
 * Read a study from `files`. Only the sagittal series are decoded (no model reads the axial ones).
 * When the files hold several studies, the one with the most files is read and the others named.
 */
export async function readStudy(
  files: readonly StudyFile[],
  opts: { limits?: StudyLimits; onProgress?: OnProgress } = {},
): Promise<StudyRead> {
  const limits = opts.limits ?? STUDY_LIMITS;
  checkLimits(files, limits);
  const problems: StudyProblem[] = [];
  const progress = (label: string, done: number, total: number) => opts.onProgress?.({ label, done, total });
  const visible = files.filter((f) => !nameOf(f.path).startsWith('.')).sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  const csv = visible.filter((f) => f.path.toLowerCase().endsWith('series_descriptions.csv'));
  const candidates = visible.filter((f) => !f.path.toLowerCase().endsWith('.csv'));
  const descriptions = new Map<string, SeriesDescription>();
  for (const f of csv) for (const [k, v] of parseDescriptions(new TextDecoder().decode(await f.read()))) descriptions.set(k, v);

  // 1. Headers of every file; what is not DICOM is named and skipped.
  const headers: Array<{ file: StudyFile; h: DicomHeader }> = [];
  for (const [i, file] of candidates.entries()) {
    try {
      headers.push({ file, h: parseDicom(await file.read(), file.path, true).header });
    } catch (e) {
      problems.push({ kind: 'not-dicom', file: file.path, message: `${file.path}: ${asError(e).message.replace(`${file.path}: `, '')}` });
    }
    progress('reading headers', i + 1, candidates.length);
  }

  // 2. One study: the one with the most files.
  const byStudy = groupBy(headers, (x) => x.h.studyInstanceUid ?? '(no StudyInstanceUID)');
  const studies = [...byStudy.entries()].sort((a, b) => b[1].length - a[1].length);
  const [studyUid, mine] = studies[0] ?? ['', []];
  for (const [uid, xs] of studies.slice(1)) {
    problems.push({ kind: 'other-study', message: `another study in the selection (${xs.length} files under ${folderOf(xs[0].file.path) || '.'}, StudyInstanceUID ${uid}) is not read: the page reads one study at a time` });
  }
  const studyId = numeric(nameOf(folderOf(folderOf(mine[0]?.file.path ?? '')))) ?? 0;

  // 3. Series by SeriesInstanceUID, typed.
  const bySeries = groupBy(mine, (x) => x.h.seriesInstanceUid ?? `folder ${folderOf(x.file.path)}`);
  const series: StudySeriesRead[] = [...bySeries.entries()].map(([uid, xs], i) => {
    const folder = folderOf(xs[0].file.path);
    const seriesId = numeric(nameOf(folder)) ?? i + 1;
    const h = xs[0].h;
    const listed = descriptions.get(`${studyId}_${seriesId}`);
    const normals = xs.flatMap((x) => (x.h.imageOrientationPatient ? [sliceNormal(x.h.imageOrientationPatient)] : []));
    const base = { uid, seriesId, folder, files: xs.length, stack: null, header: h, badSlices: [] };
    if (!normals.length) return { ...base, plane: 'unknown' as const, description: listed ?? null, typeReason: listed ? 'descriptions CSV' : 'no ImageOrientationPatient' };
    const mean = canonicalNormal(normals.reduce((a, n) => [a[0] + n[0], a[1] + n[1], a[2] + n[2]], [0, 0, 0]));
    const t = seriesType({ normal: mean, description: h.seriesDescription, echoTime: h.echoTime, repetitionTime: h.repetitionTime, inversionTime: h.inversionTime, scanningSequence: h.scanningSequence });
    return listed ? { ...base, plane: t.plane, description: listed, typeReason: 'descriptions CSV' } : { ...base, plane: t.plane, description: t.description, typeReason: t.reason };
  }).sort((a, b) => a.seriesId - b.seriesId);

  // 4. The sagittal series, decoded within the pixel budget; a slice that cannot be decoded is named and left out.
  const sagittal = series.filter((s) => isSagittal(s.description));
  if (!sagittal.length && headers.length) problems.push({ kind: 'no-sagittal', message: `no sagittal T1 or T2/STIR series among the ${series.length} series found (${series.map((s) => `${s.folder || s.uid}: ${s.plane}${s.description ? `, ${s.description}` : ''}`).join('; ') || 'none'})` });
  let pixels = 0;
  const total = sagittal.reduce((n, s) => n + s.files, 0);
  let done = 0;
  for (const s of sagittal) {
    const xs = bySeries.get(s.uid)!;
    const need = xs.reduce((n, x) => n + x.h.rows * x.h.columns, 0);
    if (pixels + need > limits.maxSagittalPixels) {
      problems.push({ kind: 'too-large', message: `series ${s.seriesId} (${s.description}, ${xs.length} slices of ${h2(xs[0].h)}) is not read: the sagittal series would exceed ${(limits.maxSagittalPixels / 1024 ** 2).toFixed(0)} M pixels, the most this page decodes` });
      done += xs.length;
      continue;
    }
    pixels += need;
    const slices: SeriesSlice[] = [];
    for (const x of xs) {
      try {
        slices.push(seriesSlice(x.file.path, await decodeDicom(await x.file.read(), x.file.path)));
      } catch (e) {
        const error = asError(e).message.replace(`${x.file.path}: `, '');
        s.badSlices.push({ file: x.file.path, error });
        problems.push({ kind: 'corrupt-slice', file: x.file.path, message: `${x.file.path}: slice of series ${s.seriesId} (${s.description}) cannot be read: ${error}` });
      }
      progress('decoding sagittal series', ++done, total);
    }
    if (slices.length) s.stack = stackSlices(s.folder || s.uid, slices);
  }
  return { studyId, studyInstanceUid: studyUid, series, problems, dicomFiles: headers.length, skippedFiles: candidates.length - headers.length };
}

const h2 = (h: DicomHeader) => `${h.rows}×${h.columns}`;

