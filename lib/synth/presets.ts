/**
 * Dataset sizes. `tiny` is for CI (seconds), `demo` for the main job (it must let the whole
 * pipeline run in under 10 minutes on 2 cores: modest images, ~15 sagittal slices, a short axial
 * series), `bench` for benchmarks (the competition's image sizes and slice counts), `reference`
 * a competition-sized training set.
 */
import { pickPreset, type PresetName } from '../core/presets.js';

export interface SynthPreset {
  size: PresetName;
  /** Default numbers of training and test studies. */
  studies: number;
  testStudies: number;
  /** Image sizes (pixels, rows = cols unless non-square) to draw from, per plane. */
  sagittalSizes: readonly number[];
  axialSizes: readonly number[];
  /** Fraction of series whose images are not square (columns = 7/8 of rows). */
  nonSquareRate: number;
  /** Field of view (mm), sagittal and axial. */
  sagittalFov: readonly [number, number];
  axialFov: readonly [number, number];
  /** Sagittal slices per series and their spacing (mm). */
  sagittalSlices: readonly [number, number];
  sagittalSpacing: readonly [number, number];
  /** Axial slices per disc-level block and their spacing (mm). */
  axialPerLevel: readonly [number, number];
  axialSpacing: readonly [number, number];
  /** Fraction of axial series that are one continuous stack (not angled blocks per disc). */
  continuousAxialRate: number;
  /** Fraction of studies whose Sagittal T2 has its own geometry (else it shares the T1 slices). */
  ownT2GeometryRate: number;
  /** Fraction of "Sagittal T2/STIR" series that are STIR (fat suppressed). */
  stirRate: number;
  /** Rician noise σ relative to CSF on T2. */
  noise: readonly [number, number];
  /** Stored value of intensity 1 (the scanner's arbitrary scale). */
  intensityScale: readonly [number, number];
  /** Guarantee rare cases (missing Sagittal T1, two axial series, axial gap at L1/L2) in small sets. */
  edgeCases: boolean;
}

const COMMON = {
  sagittalFov: [250, 320],
  axialFov: [170, 220],
  sagittalSpacing: [3.4, 4.4],
  axialSpacing: [3.5, 4.5],
  ownT2GeometryRate: 0.2,
  stirRate: 0.15,
  intensityScale: [300, 3000],
} as const;

export const SYNTH_PRESETS: Record<PresetName, SynthPreset> = {
  tiny: {
    ...COMMON,
    size: 'tiny', studies: 10, testStudies: 3,
    sagittalSizes: [128, 144, 160], axialSizes: [128], nonSquareRate: 0,
    sagittalSlices: [11, 13], axialPerLevel: [2, 2], continuousAxialRate: 0,
    noise: [0.02, 0.04], edgeCases: true,
  },
  demo: {
    ...COMMON,
    size: 'demo', studies: 160, testStudies: 40,
    sagittalSizes: [256], axialSizes: [256], nonSquareRate: 0,
    sagittalSlices: [13, 17], axialPerLevel: [3, 3], continuousAxialRate: 0,
    noise: [0.02, 0.05], edgeCases: false,
  },
  bench: {
    ...COMMON,
    size: 'bench', studies: 200, testStudies: 50,
    sagittalSizes: [256, 320, 384, 448, 512], axialSizes: [256, 320, 384, 448, 512], nonSquareRate: 0.1,
    sagittalSlices: [15, 20], axialPerLevel: [3, 5], continuousAxialRate: 0.3,
    noise: [0.02, 0.06], edgeCases: false,
  },
  reference: {
    ...COMMON,
    size: 'reference', studies: 1975, testStudies: 100,
    sagittalSizes: [384, 448, 512, 640], axialSizes: [320, 384, 448, 512], nonSquareRate: 0.1,
    sagittalSlices: [15, 20], axialPerLevel: [3, 5], continuousAxialRate: 0.3,
    noise: [0.02, 0.06], edgeCases: false,
  },
};

export function synthPreset(size: string): SynthPreset {
  return pickPreset(SYNTH_PRESETS, size, 'synthetic size');
}
