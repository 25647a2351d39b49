/**
 * Class priors: the prediction a study falls back to when its images cannot be read or a stage
 * fails for it. Computed from the training labels and saved with the models.
 * Porting note: the reference has no fallback (a corrupt DICOM aborts the run, §8.3, §11 item 10).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic.js';
import { ArtefactError } from '../core/errors.js';
import { readTrainLabels } from '../data/tables.js';
import { N_CLASSES, N_TARGETS, TARGETS } from '../data/vocabulary.js';
import { weightedAct } from './score.js';

export const PRIORS_FILE = 'class_priors.json';

export interface ClassPriors {
  version: 1;
  /** Where the labels came from (a train.csv path). */
  source: string;
  /** Labelled studies counted. */
  studies: number;
  /** Per target (TARGETS order): smoothed class frequencies [normal_mild, moderate, severe]. */
  frequencies: number[][];
  /**
   * Per target: the fallback prediction, q ∝ (1, 2, 4) ⊙ frequencies — the constant that minimises
   * the expected class-weighted log loss of the competition metric (the plain frequencies do not).
   */
  prediction: number[][];
}

/**
 * Priors from study labels (25 ints per study, −1 missing). Frequencies are add-one smoothed so
 * that a class never seen for a target still gets a probability above 0.
 */
export function classPriors(labels: ReadonlyMap<number, ArrayLike<number>>, source: string): ClassPriors {
  const counts = Array.from({ length: N_TARGETS }, () => [1, 1, 1]);
  for (const t of labels.values()) {
    for (let j = 0; j < N_TARGETS; j++) if (t[j] >= 0 && t[j] < N_CLASSES) counts[j][t[j]] += 1;
  }
  const frequencies = counts.map((c) => normalise(c));
  const prediction = frequencies.map((f) => weightedAct(f));
  return { version: 1, source, studies: labels.size, frequencies, prediction };
}

function normalise(v: readonly number[]): number[] {
  const s = v.reduce((a, b) => a + b, 0);
  return v.map((x) => x / s);
}

/** `{root}/models/class_priors.json`: saved next to the trained models. */
export function priorsPath(root: string): string {
  return join(root, 'models', PRIORS_FILE);
}

/** Compute the priors of study labels and save them with the models of `root`. */
export function savePriors(root: string, labels: ReadonlyMap<number, ArrayLike<number>>, source: string): ClassPriors {
  const priors = classPriors(labels, source);
  writeJsonAtomic(priorsPath(root), priors);
  return priors;
}

/** The saved priors of `root`, checked, or null when none were saved. */
export function loadPriors(root: string): ClassPriors | null {
  const file = priorsPath(root);
  if (!existsSync(file)) return null;
  let p: ClassPriors;
  try {
    p = JSON.parse(readFileSync(file, 'utf8')) as ClassPriors;
  } catch (e) {
    throw new ArtefactError(`cannot parse: ${(e as Error).message}`, { file });
  }
  const ok = (m: unknown) => Array.isArray(m) && m.length === N_TARGETS && m.every((r) => Array.isArray(r) && r.length === N_CLASSES && r.every((v) => Number.isFinite(v) && v > 0));
  if (p.version !== 1 || !ok(p.frequencies) || !ok(p.prediction)) throw new ArtefactError(`not a class-priors file (expected 25 × 3 positive numbers for ${TARGETS[0]} …)`, { file });
  return p;
}

/**
 * The priors inference falls back to: those saved with the models; else computed from the input's
 * train.csv (the Kaggle layout ships it); else uniform. `source` says which.
 */
export function resolvePriors(root: string, input: string): ClassPriors {
  const saved = loadPriors(root);
  if (saved) return saved;
  const trainCsv = join(input, 'train.csv');
  if (existsSync(trainCsv)) return classPriors(readTrainLabels(trainCsv), trainCsv);
  const uniform = Array.from({ length: N_TARGETS }, () => [1 / 3, 1 / 3, 1 / 3]);
  return { version: 1, source: 'uniform (no saved priors and no train.csv)', studies: 0, frequencies: uniform, prediction: uniform };
}
