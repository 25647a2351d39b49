/**
 * The `truth/` folder of a synthetic dataset: what the generator knows and the pipeline never
 * reads. Evaluation code reads it back with `readTruth` (e.g. to place a model's score between the
 * Bayes floor and the prior baseline, or to check predicted disc centres).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtefactError } from '../core/errors.js';
import { N_TARGETS, type SeriesDescription } from '../data/vocabulary.js';
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

/** The truth folder of a dataset (pass the dataset folder or the truth folder itself); null if none. */
function truthDir(dataset: string): string | null {
  if (existsSync(join(dataset, 'truth', 'studies'))) return join(dataset, 'truth');
  return existsSync(join(dataset, 'studies')) ? dataset : null;
}

/**
 * One study's truth file, checked: the id and the latent severities (what the Bayes floor reads)
 * always, the other per-target lists and the series where present (the tests write partial files).
 */
function parseTruthStudy(file: string): TruthStudy {
  const s = JSON.parse(readFileSync(file, 'utf8')) as TruthStudy;
  if (!Number.isSafeInteger(s.studyId)) throw new ArtefactError(`studyId must be an integer, got ${JSON.stringify(s.studyId)}`, { file });
  for (const k of ['latent', 'trueClass', 'observed', 'sigma'] as const) {
    if (k !== 'latent' && s[k] === undefined) continue;
    if (!Array.isArray(s[k]) || s[k].length !== N_TARGETS) throw new ArtefactError(`${k} must hold ${N_TARGETS} values (one per target)`, { file, studyId: s.studyId });
  }
  if (s.series !== undefined && !Array.isArray(s.series)) throw new ArtefactError('series must be a list', { file, studyId: s.studyId });
  return s;
}

/** Read `{dataset}/truth/` (pass the dataset folder or the truth folder itself). */
export function readTruth(dataset: string): TruthSet {
  const dir = truthDir(dataset);
  if (!dir) throw new ArtefactError('no synthetic truth here (expected truth/studies/); was this folder made by `spinelab synth`?', { file: dataset });
  const studiesDir = join(dir, 'studies');
  const studies = readdirSync(studiesDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => parseTruthStudy(join(studiesDir, f)))
    .sort((a, b) => a.studyId - b.studyId);
  return { dir, studies, bounds: readTruthBounds(dataset) };
}

/**
 * The truth of one study, or null where the dataset has none (not synthetic, or no such study):
 * notebooks show it beside predictions when it exists.
 */
export function readTruthStudy(dataset: string, studyId: number): TruthStudy | null {
  const dir = truthDir(dataset);
  const file = dir ? join(dir, 'studies', `${studyId}.json`) : '';
  return dir && existsSync(file) ? parseTruthStudy(file) : null;
}

/** `truth/bounds.json`: the Bayes floor and class-prior scores of each split; null if absent. */
export function readTruthBounds(dataset: string): TruthSet['bounds'] {
  const dir = truthDir(dataset);
  const file = dir ? join(dir, 'bounds.json') : '';
  return dir && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TruthSet['bounds']) : null;
}

/**
 * A sagittal series' true disc centres as keypoints relative to the image ([u, v] × 5, LEVELS
 * order, the coordinates model's format); null for an axial series.
 */
export function discKeypoints(series: TruthSeries): Float32Array | null {
  if (!series.discPixels) return null;
  return Float32Array.from(series.discPixels.flatMap((p) => [p.x / series.cols, p.y / series.rows]));
}
