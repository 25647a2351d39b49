/**
 * The domain words of the competition, defined once. Everything else (column names, row ids, crop
 * target order) is derived from these tuples.
 * Reference: src/params.py (LEVELS, SEVERITIES, CLASSES, CLASSES_CROP).
 */

/** Disc levels, top to bottom, as spelled in train_label_coordinates.csv. */
export const LEVELS = ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1'] as const;
export type Level = (typeof LEVELS)[number];
/** The same levels as they appear in column names and row ids. */
export const LEVEL_SLUGS = ['l1_l2', 'l2_l3', 'l3_l4', 'l4_l5', 'l5_s1'] as const;
export type LevelSlug = (typeof LEVEL_SLUGS)[number];
/** Index (0..4) of a level written either way ("L1/L2" or "l1_l2"), −1 when it is neither. */
export function levelIndex(text: string): number {
  const t = text.trim();
  const i = (LEVELS as readonly string[]).indexOf(t);
  return i >= 0 ? i : (LEVEL_SLUGS as readonly string[]).indexOf(t);
}

/** The five conditions, in the reference's target order (condition-major). */
export const CONDITIONS = [
  'Spinal Canal Stenosis',
  'Left Neural Foraminal Narrowing',
  'Right Neural Foraminal Narrowing',
  'Left Subarticular Stenosis',
  'Right Subarticular Stenosis',
] as const;
export type Condition = (typeof CONDITIONS)[number];
export const CONDITION_SLUGS = [
  'spinal_canal_stenosis',
  'left_neural_foraminal_narrowing',
  'right_neural_foraminal_narrowing',
  'left_subarticular_stenosis',
  'right_subarticular_stenosis',
] as const;
export type ConditionSlug = (typeof CONDITION_SLUGS)[number];
/** Short names used in tables and plots. */
export const CONDITION_SHORT = ['SCS', 'L-NFN', 'R-NFN', 'L-SS', 'R-SS'] as const;

/** Scoring groups of the competition metric. */
export const GROUPS = ['spinal', 'foraminal', 'subarticular'] as const;
export type Group = (typeof GROUPS)[number];
/** Group of each condition (index-aligned with CONDITIONS). */
export const CONDITION_GROUP: readonly Group[] = ['spinal', 'foraminal', 'foraminal', 'subarticular', 'subarticular'];

/** Severity classes: index 0/1/2 as in train.csv; -1 = missing. */
export const SEVERITIES = ['Normal/Mild', 'Moderate', 'Severe'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** 0 = Normal/Mild, 1 = Moderate, 2 = Severe, -1 = missing label. */
export type SeverityIndex = -1 | 0 | 1 | 2;
/** Submission column names, index-aligned with SEVERITIES. */
export const SUBMISSION_CLASSES = ['normal_mild', 'moderate', 'severe'] as const;
/** Sample weight of each true class in the metric and the level-2 loss. */
export const CLASS_WEIGHTS = [1, 2, 4] as const;

/** The 25 targets, condition-major then level: index = condition × 5 + level. */
export const TARGETS: readonly string[] = CONDITION_SLUGS.flatMap((c) => LEVEL_SLUGS.map((l) => `${c}_${l}`));
export const N_TARGETS = 25;
export const N_LEVELS = 5;
export const N_CLASSES = 3;

/** Index of the target (condition, level) in the 25-target order. */
export function targetIndex(condition: number, level: number): number {
  return condition * N_LEVELS + level;
}

/** Condition (CONDITIONS index) of a target index. */
export function targetCondition(target: number): number {
  return Math.floor(target / N_LEVELS);
}

/** Level (LEVELS index) of a target index. */
export function targetLevel(target: number): number {
  return target % N_LEVELS;
}

/** Short name of a target for tables and plots, e.g. `L-NFN L4/L5`. */
export function targetLabel(target: number): string {
  return `${CONDITION_SHORT[targetCondition(target)]} ${LEVELS[targetLevel(target)]}`;
}

/** Row id of a submission / solution row, e.g. `4003253_spinal_canal_stenosis_l1_l2`. */
export function rowId(studyId: number | string, target: number): string {
  return `${studyId}_${TARGETS[target]}`;
}

/** Series descriptions as in {train,test}_series_descriptions.csv. */
export const SERIES_DESCRIPTIONS = ['Sagittal T1', 'Sagittal T2/STIR', 'Axial T2'] as const;
export type SeriesDescription = (typeof SERIES_DESCRIPTIONS)[number];
/** Sagittal series types used by the models, in the reference's feature order (T1 first, then T2). */
export const SAGITTAL_DESCRIPTIONS = ['Sagittal T1', 'Sagittal T2/STIR'] as const;
export type SagittalDescription = (typeof SAGITTAL_DESCRIPTIONS)[number];

/** A sagittal series type (the ones the models read); null = unknown type. */
export function isSagittal(description: string | null): description is SagittalDescription {
  return description !== null && (SAGITTAL_DESCRIPTIONS as readonly string[]).includes(description);
}

/** Where each condition is annotated in the competition (and in our synthetic studies). */
export const ANNOTATED_ON: Record<Condition, SeriesDescription> = {
  'Spinal Canal Stenosis': 'Sagittal T2/STIR',
  'Left Neural Foraminal Narrowing': 'Sagittal T1',
  'Right Neural Foraminal Narrowing': 'Sagittal T1',
  'Left Subarticular Stenosis': 'Axial T2',
  'Right Subarticular Stenosis': 'Axial T2',
};

/** Indices (CONDITIONS order) of the conditions annotated on a series type, e.g. Sagittal T1 → [1, 2]. */
export function conditionsOn(description: SeriesDescription): number[] {
  return CONDITIONS.flatMap((c, i) => (ANNOTATED_ON[c] === description ? [i] : []));
}

export function severityFromString(s: string): SeverityIndex | null {
  const t = s.trim();
  if (t === '') return -1;
  const i = SEVERITIES.indexOf(t as Severity);
  return i < 0 ? null : (i as SeverityIndex);
}
