/**
 * One synthetic study: its labels, anatomy, series and the ground-truth points, then its images.
 * Everything is drawn from the study's own random stream, so a study depends only on
 * (dataset seed, study index) and studies can be generated in any order.
 */
import { Rng } from '../core/rng.js';
import { CONDITIONS, LEVELS, N_TARGETS, targetIndex, type Condition, type Level, type SeriesDescription } from '../data/vocabulary.js';
import type { ImagePlane, Vec3 } from '../dicom/header.js';
import { discOfLevel, lutIndex, sampleAnatomy, toPatient, type Anatomy, type LevelSeverity } from './anatomy.js';
import { contrastTable, textureTile, type Weighting } from './contrast.js';
import { LabelSampler, severityScale, upperAxialGap, type StudyLabels } from './labels.js';
import type { SynthPreset } from './presets.js';
import { biasField, imageFromTissue, patientToPixel, planeOf, tissueSlice, type Plane } from './render.js';
import { axialGeometry, drawSeriesCounts, instanceNumbers, sagittalGeometry, type InstanceScheme, type SeriesCounts } from './series.js';

export interface SeriesPlan {
  seriesId: number;
  seriesNumber: number;
  description: SeriesDescription;
  weighting: Weighting;
  plane: Plane;
  /** Slices in spatial order (sagittal: right → left; axial: caudal → cranial). */
  slices: ImagePlane[];
  /** Instance number of each slice (same order): the file names. */
  instanceNumbers: number[];
  instanceScheme: InstanceScheme;
  sliceThickness: number;
  spacingBetweenSlices: number;
  /** Axial: level (0..4) each slice was placed for. */
  sliceLevel?: number[];
  /** Stored value of intensity 1, noise σ (relative), bias parameters. */
  scale: number;
  noise: number;
  bias: [number, number];
  /** Per-series seed for texture and noise offsets. */
  seed: number;
}

/** Where a condition at a level is, and where it was (or would have been) annotated. */
export interface LabelPointTruth {
  condition: Condition;
  level: Level;
  /** The series and instance of the annotation, or null when no series of that kind exists. */
  seriesId: number | null;
  instanceNumber: number | null;
  /** Pixel (column, row) in that instance, native pixels; null without a series. */
  x: number | null;
  y: number | null;
  /** Index of the slice in spatial order, and the point in patient coordinates (mm). */
  sliceIndex: number;
  patient: Vec3;
}

export interface StudyPlan {
  studyId: number;
  labels: StudyLabels;
  /** Visible severity σ ∈ [0, 1] per target (TARGETS order). */
  sigma: number[];
  anatomy: Anatomy;
  series: SeriesPlan[];
  points: LabelPointTruth[];
  /** Disc centres (patient mm) of L1/L2 … L5/S1. */
  discCentres: Vec3[];
}

/** Rare structures forced into small datasets so every code path meets them. */
export interface EdgeCase {
  counts?: Partial<SeriesCounts>;
  axialStart?: number;
  scheme?: InstanceScheme;
}

const ANNOTATED: Record<number, SeriesDescription> = { 0: 'Sagittal T2/STIR', 1: 'Sagittal T1', 2: 'Sagittal T1', 3: 'Axial T2', 4: 'Axial T2' };

/** A study's series counts, axial coverage and labels: everything drawn before the anatomy. */
export interface StudyDraw {
  counts: SeriesCounts;
  /** First level (0..4) the axial series reach; subarticular labels above it are missing. */
  axialStart: number;
  labels: StudyLabels;
}

export function drawStudyLabels(rng: Rng, sampler: LabelSampler, edge: EdgeCase = {}): StudyDraw {
  const counts = { ...drawSeriesCounts(rng), ...edge.counts };
  // Axial coverage: often the blocks start at L2/L3 or L3/L4 (subarticular labels missing above).
  const model = sampler.model;
  const [gap1, gap2] = upperAxialGap(model, { l1l2: [targetIndex(3, 0), targetIndex(4, 0)], l2l3: [targetIndex(3, 1), targetIndex(4, 1)] });
  const u = rng.random();
  const axialStart = edge.axialStart ?? (u < gap2 ? 2 : u < gap2 + gap1 ? 1 : 0);
  const unlabelled = Array.from({ length: N_TARGETS }, (_, j) => {
    const c = Math.floor(j / 5);
    const l = j % 5;
    if (c === 0) return counts.t2 === 0;
    if (c <= 2) return counts.t1 === 0;
    return counts.axial === 0 || l < axialStart;
  });
  const residual = model.missing.map((m, j) => {
    const c = Math.floor(j / 5);
    const covered = c >= 3 && j % 5 < 2 ? (j % 5 === 0 ? gap1 + gap2 : gap2) : 0;
    return Math.max(0, (m - covered) / (1 - covered));
  });
  return { counts, axialStart, labels: sampler.sample(rng, unlabelled, residual) };
}

export function planStudy(rng: Rng, studyId: number, nextSeriesId: () => number, preset: SynthPreset, sampler: LabelSampler, edge: EdgeCase = {}): StudyPlan {
  const { counts, axialStart, labels } = drawStudyLabels(rng, sampler, edge);
  const model = sampler.model;
  const sigma = labels.latent.map((t, j) => severityScale(t, model.thresholds[j]));
  const lv = (c: number) => [0, 1, 2, 3, 4].map((l) => sigma[targetIndex(c, l)]);
  const sev: LevelSeverity = { scs: lv(0), nfn: [lv(1), lv(2)], ss: [lv(3), lv(4)] };
  const origin = { x: rng.uniform(-20, 20), y: rng.uniform(-30, 30), z: rng.uniform(-80, 80) };
  const anatomy = sampleAnatomy(rng, sev, origin, (rng.normal(0, 3) * Math.PI) / 180);

  const series: SeriesPlan[] = [];
  const add = (description: SeriesDescription, weighting: Weighting, geom: ReturnType<typeof sagittalGeometry>) => {
    const { scheme, numbers } = instanceNumbers(rng, geom.slices.length, edge.scheme);
    series.push({
      seriesId: nextSeriesId(), seriesNumber: series.length + 1, description, weighting,
      plane: planeOf(geom.slices[0]), slices: geom.slices, instanceNumbers: numbers, instanceScheme: scheme,
      sliceThickness: geom.sliceThickness, spacingBetweenSlices: geom.spacingBetweenSlices, sliceLevel: geom.sliceLevel,
      scale: Math.round(rng.uniform(preset.intensityScale[0], preset.intensityScale[1])),
      noise: rng.uniform(preset.noise[0], preset.noise[1]),
      bias: [rng.uniform(0.1, 0.5), rng.uniform(-0.2, 0.2)],
      seed: rng.nextU32(),
    });
  };
  const sagT1 = sagittalGeometry(rng, anatomy, preset);
  for (let i = 0; i < counts.t1; i++) add('Sagittal T1', 'T1', i === 0 ? sagT1 : sagittalGeometry(rng, anatomy, preset));
  for (let i = 0; i < counts.t2; i++) {
    const own = counts.t1 === 0 || i > 0 || rng.random() < preset.ownT2GeometryRate;
    add('Sagittal T2/STIR', rng.random() < preset.stirRate ? 'STIR' : 'T2', own ? sagittalGeometry(rng, anatomy, preset) : sagT1);
  }
  const covered = [0, 1, 2, 3, 4].filter((l) => l >= axialStart);
  const continuous = counts.axial === 1 && rng.random() < preset.continuousAxialRate;
  for (let i = 0; i < counts.axial; i++) {
    // Several axial series split the covered levels between them; extra ones repeat a level.
    const per = Math.ceil(covered.length / counts.axial);
    const part = covered.slice(i * per, (i + 1) * per);
    add('Axial T2', 'T2', axialGeometry(rng, anatomy, preset, part.length ? part : [covered[covered.length - 1]], continuous));
  }
  // Ship series in a random order, as listings of the real data do not follow acquisition.
  const shuffled = rng.shuffle(series);
  const points = labelPoints(anatomy, shuffled);
  const discCentres = LEVELS.map((_, l) => {
    const s = anatomy.discMid[discOfLevel(l)];
    return toPatient(anatomy, s, -anatomy.lut.bodyD[lutIndex(anatomy.lut, s)] / 2, 0);
  });
  return { studyId, labels, sigma, anatomy, series: shuffled, points, discCentres };
}

/**
 * The annotation point of every condition and level, as a radiologist would click it: SCS in the
 * middle of the canal behind the disc on the mid-sagittal T2 slice; NFN in the foramen (above the
 * disc, under the pedicle) on the parasagittal T1 slice of that side; SS in the lateral recess on
 * the axial slice through the disc.
 */
export function labelPoints(a: Anatomy, series: readonly SeriesPlan[]): LabelPointTruth[] {
  const out: LabelPointTruth[] = [];
  CONDITIONS.forEach((condition, c) => {
    LEVELS.forEach((level, l) => {
      const di = discOfLevel(l);
      const s = a.discMid[di];
      const i = lutIndex(a.lut, s);
      const Dc = a.lut.canalD[i];
      const Wc2 = a.lut.canalW2[i];
      const sign = c === 1 || c === 3 ? 1 : -1; // left = +x
      let p: Vec3;
      if (c === 0) p = toPatient(a, s, 0.5 * Dc, 0);
      else if (c <= 2) p = toPatient(a, s - a.discHalf[di] - 3.5 * a.k, 0.42 * Dc, sign * (Wc2 + 5.5 * a.k));
      else p = toPatient(a, s, 0.35 * Dc, sign * (Wc2 - 3.5));
      const target = series.find((se) => se.description === ANNOTATED[c] && (c < 3 || (se.sliceLevel ?? []).includes(l)));
      if (!target) {
        out.push({ condition, level, seriesId: null, instanceNumber: null, x: null, y: null, sliceIndex: -1, patient: p });
        return;
      }
      let best = 0;
      let bestOff = Infinity;
      target.slices.forEach((g, k) => {
        const off = Math.abs(patientToPixel(g, p).offPlane);
        if (off < bestOff) {
          bestOff = off;
          best = k;
        }
      });
      const px = patientToPixel(target.slices[best], p);
      out.push({ condition, level, seriesId: target.seriesId, instanceNumber: target.instanceNumbers[best], x: px.col, y: px.row, sliceIndex: best, patient: p });
    });
  });
  return out;
}

/** The study's texture tile (one per study, shared by its series). */
const tiles = new WeakMap<StudyPlan, Float32Array>();

/** Render a series: one 16-bit image per slice, in spatial order. `cache` shares tissue maps across series. */
export function renderSeries(plan: StudyPlan, se: SeriesPlan, noise: Float32Array, cache: Map<string, Uint8Array>): Uint16Array[] {
  const rng = new Rng(se.seed);
  const contrast = contrastTable(rng, se.weighting, plan.anatomy.hydration);
  const tile = tiles.get(plan) ?? textureTile(new Rng(plan.studyId));
  tiles.set(plan, tile);
  const mapCache = {};
  const bias = biasField(se.slices[0], se.plane, se.bias[0], se.bias[1]);
  return se.slices.map((g) => {
    const key = `${g.rows}x${g.cols}:${g.position}:${g.orientation}:${g.pixelSpacing}`;
    let tissue = cache.get(key);
    if (!tissue) {
      tissue = tissueSlice(plan.anatomy, g, mapCache);
      cache.set(key, tissue);
    }
    const settings = { contrast, tile, noiseTable: noise, noise: se.noise, scale: se.scale, bias };
    return imageFromTissue(tissue, g, settings, [rng.uniform(0, 128), rng.uniform(0, 128)], rng.nextU32());
  });
}
