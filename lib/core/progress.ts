/**
 * Long stages report progress through a callback and never print themselves. The notebook passes
 * an in-place display, the CLI a terminal bar or sparse log lines (lib/notebook/progress.ts).
 */
export interface ProgressEvent {
  /** What is being done, e.g. "prepare train". */
  label: string;
  done: number;
  total: number;
  /** Short free text, e.g. "loss=0.41" or the current series. */
  detail?: string;
}

export type OnProgress = (e: ProgressEvent) => void;

export const noProgress: OnProgress = () => {};
