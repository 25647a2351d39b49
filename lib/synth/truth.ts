/**
 * The `truth/` folder of a synthetic dataset: what the generator knows and the pipeline never
 * reads. Evaluation code reads it back with `readTruth` (e.g. to place a model's score between the
 * Bayes floor and the prior baseline, or to check predicted disc centres).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtefactError } from '../core/errors.js';
import type { SeriesDescription } from '../data/vocabulary.js';
import type { Vec3 } from '../dicom/header.js';
import type { Weighting } from './contrast.js';
import type { ScoreBounds } from './floor.js';
import type { Plane } from './render.js';
import type { InstanceScheme } from './series.js';
import type { LabelPointTruth } from './study.js';

export interface TruthSeries {
  seriesId: number;
  description: SeriesDescription;
  weighting: Weighting;
  plane: Plane;
  rows: number;
  cols: number;
  pixelSpacing: [number, number];
  sliceThickness: number;
  spacingBetweenSlices: number;
  /** Per slice in spatial order (sagittal: right → left; axial: caudal → cranial). */
  orientations: Array<[number, number, number, number, number, number]>;
  positions: Vec3[];
  instanceNumbers: number[];
  instanceScheme: InstanceScheme;
  /** Stored value of intensity 1 (CSF on T2). */
  scale: number;
  /** Axial: the level (0..4) each slice was placed for. */
  sliceLevel?: number[];
  /** Sagittal: the 5 disc centres projected on the middle slice floor(n/2), native pixels. */
  discPixels?: Array<{ x: number; y: number }>;
}

export interface TruthStudy {
  studyId: number;
  split: 'train' | 'test';
  /** Per target (TARGETS order): latent severity, true class, observed label (-1 missing), visible σ. */
  latent: number[];
  trueClass: number[];
  observed: number[];
  sigma: number[];
  /** Disc centres L1/L2 … L5/S1, patient mm (LPS). */
  discCentres: Vec3[];
  anatomy: { k: number; origin: { x: number; y: number; z: number } };
  series: TruthSeries[];
  /** Annotation point of every condition × level (also those not written to the CSV). */
  points: LabelPointTruth[];
}

export interface TruthSet {
  dir: string;
  studies: TruthStudy[];
  bounds: { train: ScoreBounds; test: ScoreBounds | null } | null;
}

/** Read `{dataset}/truth/` (pass the dataset folder or the truth folder itself). */
export function readTruth(dataset: string): TruthSet {
  const dir = existsSync(join(dataset, 'truth', 'studies')) ? join(dataset, 'truth') : dataset;
  const studiesDir = join(dir, 'studies');
  if (!existsSync(studiesDir)) throw new ArtefactError('no synthetic truth here (expected truth/studies/); was this folder made by `spinelab synth`?', { file: dataset });
  const studies = readdirSync(studiesDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(studiesDir, f), 'utf8')) as TruthStudy)
    .sort((a, b) => a.studyId - b.studyId);
  const boundsFile = join(dir, 'bounds.json');
  const bounds = existsSync(boundsFile) ? JSON.parse(readFileSync(boundsFile, 'utf8')) : null;
  return { dir, studies, bounds };
}
