/**
 * spinelab's error family. Each carries the file (and study/series where known) it is about, so
 * a message read in a notebook or a CI log says which input to look at and what was wrong.
 */
export interface ErrorContext {
  /** Path of the file the error is about. */
  file?: string;
  /** 1-based line number in a text file (CSV). */
  line?: number;
  studyId?: number | string;
  seriesId?: number | string;
}

export class SpinelabError extends Error {
  readonly context: ErrorContext;
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    const where = [
      context.file ? `${context.file}${context.line ? `:${context.line}` : ''}` : '',
      context.studyId !== undefined ? `study ${context.studyId}` : '',
      context.seriesId !== undefined ? `series ${context.seriesId}` : '',
    ].filter(Boolean).join(', ');
    super(where ? `${where}: ${message}` : message, options);
    this.name = new.target.name;
    this.context = context;
  }
}

/** A DICOM file that cannot be parsed or decoded (corrupt, truncated, unsupported syntax). */
export class DicomError extends SpinelabError {}
/** Input data that does not follow the competition layout or schema (CSV columns, values, folders). */
export class InputLayoutError extends SpinelabError {}
/** A pipeline artefact that is missing, of the wrong kind, or made with another configuration. */
export class ArtefactError extends SpinelabError {}
/** Bad arguments to a command or function (a usage error, not bad data). */
export class UsageError extends SpinelabError {}

/** Libraries such as dicom-parser throw strings; turn anything thrown into an Error. */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
