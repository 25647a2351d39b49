/**
 * EVAL mode (reference §8.2 step 7): score a submission of a labelled split with the competition
 * metric, next to the score the class priors alone would get on the same studies.
 */
import { UsageError } from '../core/errors.js';
import { TARGETS } from '../data/vocabulary.js';
import { competitionScore, readLabelsAsSolution, readSubmissionCsv, studyOfRowId, type CompetitionScore, type SolutionRow } from '../metrics/index.js';
import type { ClassPriors } from '../metrics/priors.js';

export interface EvalResult extends CompetitionScore {
  /** The labels file (train.csv format or a solution CSV). */
  labels: string;
  /** Score of the class priors predicted for every scored study (the baseline to beat). */
  priorScore: number;
  /** Labelled studies of the labels file that are not in this split (not scored). */
  unscoredStudies: number;
}

export interface EvalLabels {
  file: string;
  /** Solution rows of the split's studies. */
  solution: SolutionRow[];
  unscoredStudies: number;
}

/** The labels of `studies` in a labels file; an error when it labels none of them (checked before inference runs). */
export function loadEvalLabels(file: string, studies: readonly number[]): EvalLabels {
  const keep = new Set(studies.map(String));
  const all = readLabelsAsSolution(file);
  const solution = all.filter((r) => keep.has(studyOfRowId(r.rowId)));
  if (!solution.length) throw new UsageError(`${file} labels none of the ${studies.length} studies of this split: are these the labels of another split?`);
  const labelled = new Set(all.map((r) => studyOfRowId(r.rowId)));
  return { file, solution, unscoredStudies: [...labelled].filter((s) => !keep.has(s)).length };
}

/** Score the submission file against the labels, and the priors on the same rows. */
export function evaluateSubmission(submission: string, labels: EvalLabels, priors: ClassPriors): EvalResult {
  const score = competitionScore(labels.solution, readSubmissionCsv(submission));
  const prior = new Map<string, number[]>();
  for (const r of labels.solution) prior.set(r.rowId, priors.prediction[TARGETS.indexOf(r.rowId.slice(r.rowId.indexOf('_') + 1))]);
  return { ...score, labels: labels.file, priorScore: competitionScore(labels.solution, prior).score, unscoredStudies: labels.unscoredStudies };
}
