import { level1Width, type Level1Logits, type Level1Target } from '../classify/level1.js';
import { ArtefactError } from '../core/errors.js';
import {
  CONDITION_SHORT, LEVELS, N_CLASSES, N_LEVELS, SAGITTAL_DESCRIPTIONS, SUBMISSION_CLASSES,
  type SagittalDescription,
} from '../data/vocabulary.js';

/**
 * Level-2 features per study from level-1 logits (reference `FeatureDataset` + `SimpleModel`
 * front, docs/porting.md §6.1–6.3). For every level-1 model, level, condition (side) and
 * sagittal series type: the mean logits over the study's series of that type, zeros where the
 * study has none. All-target models are averaged (the reference averages `crop` and `crop_2` at the
 * logit level); single-group models (the SCS crop models) are appended to their group's rows.
 * Porting note: the feature sizes are derived from the level-1 models (their target and the series
 * types in their rows), never typed by hand (§11 item 3).
 */

export type Lvl2Group = 'scs' | 'nfn' | 'ss';
export const LVL2_GROUPS: readonly Lvl2Group[] = ['scs', 'nfn', 'ss'];
/** Target rows of each group in the 25-target order (SCS 0–4, NFN 5–14, SS 15–24). */
export const GROUP_ROWS: Record<Lvl2Group, readonly [number, number]> = { scs: [0, 5], nfn: [5, 15], ss: [15, 25] };

/** How a level-1 model enters the features; saved with the level-2 model and reused at inference. */
export interface ModelLayout {
  name: string;
  target: Level1Target;
  /** Series types the model has rows for (SAGITTAL_DESCRIPTIONS order): its feature width is 3 × this. */
  types: SagittalDescription[];
}

export interface FeatureLayout {
  models: ModelLayout[];
  /** Input width of the SCS, NFN and SS heads (reference ft_dim). */
  dims: Record<Lvl2Group, number>;
  /** Column names per group, e.g. `all-target · Sagittal T1 · moderate`. */
  columns: Record<Lvl2Group, string[]>;
}

export interface StudyFeatures {
  studyIds: number[];
  layout: FeatureLayout;
  /** Per group: studies × group rows (5 | 10 | 10) × dims[group], C order. */
  x: Record<Lvl2Group, Float32Array>;
}

/** The layout implied by a set of level-1 models (types = those present in each model's rows). */
export function deriveLayout(sets: readonly Level1Logits[]): FeatureLayout {
  const models = sets.map((s) => ({
    name: s.name,
    target: s.target,
    types: SAGITTAL_DESCRIPTIONS.filter((d) => s.rows.some((r) => r.description === d)),
  }));
  return layoutOf(models);
}

export function layoutOf(models: readonly ModelLayout[]): FeatureLayout {
  const all = models.filter((m) => m.target === 'all');
  const allTypes = all[0]?.types ?? [];
  for (const m of all) {
    if (m.types.join('|') !== allTypes.join('|')) {
      throw new ArtefactError(`all-target level-1 models are averaged, so they must cover the same series types: ${all[0].name} has [${allTypes.join(', ')}], ${m.name} has [${m.types.join(', ')}]`);
    }
  }
  const block = (label: string, types: readonly string[]) => types.flatMap((t) => SUBMISSION_CLASSES.map((c) => `${label} · ${t} · ${c}`));
  const columns = {} as Record<Lvl2Group, string[]>;
  for (const g of LVL2_GROUPS) {
    columns[g] = [
      ...(all.length ? block(all.length > 1 ? `mean(${all.map((m) => m.name).join(', ')})` : all[0].name, allTypes) : []),
      ...models.filter((m) => m.target === g).flatMap((m) => block(m.name, m.types)), // SCS models: SCS rows only
    ];
  }
  const dims = { scs: columns.scs.length, nfn: columns.nfn.length, ss: columns.ss.length };
  for (const g of LVL2_GROUPS) {
    if (!dims[g]) throw new ArtefactError(`no level-1 model provides features for the ${g.toUpperCase()} targets (models: ${models.map((m) => `${m.name}:${m.target}`).join(', ') || 'none'})`);
  }
  return { models: [...models], dims, columns };
}

/**
 * Mean logits per (study, series type, level) of one model: a map study → Float32Array of
 * types × levels × width, plus which cells were present.
 */
function meanPerStudy(set: Level1Logits, types: readonly SagittalDescription[]) {
  const w = level1Width(set.target);
  if (set.logits.length !== set.rows.length * w) {
    throw new ArtefactError(`${set.name}: ${set.logits.length} logits for ${set.rows.length} rows of ${w}`);
  }
  const sums = new Map<number, { sum: Float64Array; n: Int32Array }>();
  set.rows.forEach((r, i) => {
    const t = types.indexOf(r.description);
    if (t < 0) return; // a type the level-2 model was not trained with carries no feature slot
    let s = sums.get(r.studyId);
    if (!s) sums.set(r.studyId, (s = { sum: new Float64Array(types.length * N_LEVELS * w), n: new Int32Array(types.length * N_LEVELS) }));
    const cell = t * N_LEVELS + r.level;
    s.n[cell] += 1;
    for (let k = 0; k < w; k++) s.sum[cell * w + k] += set.logits[i * w + k];
  });
  const means = new Map<number, Float32Array>();
  for (const [study, s] of sums) {
    const m = new Float32Array(s.sum.length);
    for (let c = 0; c < s.n.length; c++) if (s.n[c]) for (let k = 0; k < w; k++) m[c * w + k] = s.sum[c * w + k] / s.n[c];
    means.set(study, m);
  }
  return means;
}

/**
 * Features of `studyIds` from the level-1 logits. `layout` fixes the columns (pass the one saved
 * with a trained level-2 model at inference); by default it is derived from `sets`.
 */
export function buildFeatures(sets: readonly Level1Logits[], studyIds: readonly number[], layout: FeatureLayout = deriveLayout(sets)): StudyFeatures {
  const byName = new Map(sets.map((s) => [s.name, s]));
  const n = studyIds.length;
  const x = {} as Record<Lvl2Group, Float32Array>;
  for (const g of LVL2_GROUPS) x[g] = new Float32Array(n * (GROUP_ROWS[g][1] - GROUP_ROWS[g][0]) * layout.dims[g]);
  const all = layout.models.filter((m) => m.target === 'all');
  // Column offset where each group's single-group blocks start, advanced per model.
  const offset = { scs: all.length ? all[0].types.length * N_CLASSES : 0 };

  const put = (g: Lvl2Group, study: number, target: number, col: number, v: number) => {
    const rows = GROUP_ROWS[g][1] - GROUP_ROWS[g][0];
    x[g][(study * rows + (target - GROUP_ROWS[g][0])) * layout.dims[g] + col] += v;
  };
  const groupOf = (target: number): Lvl2Group => (target < 5 ? 'scs' : target < 15 ? 'nfn' : 'ss');

  for (const m of layout.models) {
    const set = byName.get(m.name);
    if (!set) throw new ArtefactError(`level-1 logits of model "${m.name}" are needed by the level-2 layout but were not given`);
    if (set.target !== m.target) throw new ArtefactError(`level-1 model "${m.name}" predicts "${set.target}", the level-2 layout expects "${m.target}"`);
    const means = meanPerStudy(set, m.types);
    const nt = m.types.length;
    studyIds.forEach((study, si) => {
      const mean = means.get(study);
      if (!mean) return; // no series of this study in this model: zeros (reference §8.3)
      for (let t = 0; t < nt; t++) {
        for (let l = 0; l < N_LEVELS; l++) {
          const cell = (t * N_LEVELS + l) * level1Width(m.target);
          if (m.target === 'all') {
            // Row (condition c, level l); columns [type t × 3 classes]; averaged over the all-target models.
            for (let c = 0; c < 5; c++) {
              const target = c * N_LEVELS + l;
              for (let k = 0; k < N_CLASSES; k++) put(groupOf(target), si, target, t * N_CLASSES + k, mean[cell + c * N_CLASSES + k] / all.length);
            }
          } else {
            for (let k = 0; k < N_CLASSES; k++) put('scs', si, l, offset.scs + t * N_CLASSES + k, mean[cell + k]);
          }
        }
      }
    });
    if (m.target === 'scs') offset.scs += nt * N_CLASSES;
  }
  return { studyIds: [...studyIds], layout, x };
}

/** The features of one study, one table per head: a row per target, a column per feature. */
export function featureTable(f: StudyFeatures, studyId: number): Record<Lvl2Group, Record<string, string | number>[]> {
  const si = f.studyIds.indexOf(studyId);
  if (si < 0) throw new ArtefactError(`study ${studyId} has no level-2 features`);
  const out = {} as Record<Lvl2Group, Record<string, string | number>[]>;
  for (const g of LVL2_GROUPS) {
    const [a, b] = GROUP_ROWS[g];
    const d = f.layout.dims[g];
    out[g] = [];
    for (let t = a; t < b; t++) {
      const row: Record<string, string | number> = { condition: CONDITION_SHORT[Math.floor(t / N_LEVELS)], level: LEVELS[t % N_LEVELS] };
      f.layout.columns[g].forEach((c, j) => (row[c] = Number(f.x[g][(si * (b - a) + (t - a)) * d + j].toFixed(3))));
      out[g].push(row);
    }
  }
  return out;
}
