/** What the page shows as `window.__spinelab` (the Chromium tests and `spinelab web --check` read it). */
import type { StudyPrediction } from './infer.js';
import type { StudyProblem } from './study.js';

export type PageStatus = 'loading' | 'ready' | 'reading' | 'running' | 'done' | 'error';
export type PageLevel = 'error' | 'warning' | 'info';

export interface PageResult {
  studyId: number;
  source: StudyPrediction['source'];
  fallback: StudyPrediction['fallback'];
  /** 75 probabilities, 25 targets × 3 classes. */
  probs: number[];
  series: Array<{ seriesId: number; description: string; slices: number; pred: number[] }>;
  problems: StudyProblem[];
  seconds: { read: number; crops: number; level1: number; lvl2: number; total: number };
}

export interface PageState {
  state: PageStatus;
  /** Selections handled so far (each ends in done or error). */
  studies: number;
  messages: Array<{ level: PageLevel; text: string }>;
  backend?: string;
  /** Seconds from the script's start to the models loaded. */
  loadSeconds?: number;
  result?: PageResult;
}
