/**
 * The preset names every stage shares, and the one way a stage picks its settings by name.
 *
 * - `tiny`: seconds, for CI and the tests.
 * - `demo`: the main job (`npm start`) on 2 CPU cores.
 * - `bench`: the synthetic benchmark set, CPU-sized models.
 * - `reference`: the original's settings, meant for native TensorFlow on a GPU.
 *
 * Each stage keeps a `Record<PresetName, …>` table beside its code (`lib/<stage>/presets.ts`) and
 * reads it through `pickPreset`, so a new name is added here once and the compiler asks every
 * stage for its entry.
 */
import { UsageError } from './errors.js';
import { inputDir, outputDir } from './paths.js';

export const PRESET_NAMES = ['tiny', 'demo', 'bench', 'reference'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/**
 * The entry `name` of a stage's preset table, deep-copied so the caller may change it; a
 * `UsageError` naming the stage and the valid names for an unknown name. Key order is kept (the
 * saved configuration is part of the resume check of trained folds).
 */
export function pickPreset<T>(table: Readonly<Record<PresetName, T>>, name: string, stage: string): T {
  if (!isPresetName(name)) throw new UsageError(`unknown ${stage} preset "${name}" (expected ${PRESET_NAMES.join(', ')})`);
  return structuredClone(table[name]);
}

/** `$SPINELAB_PRESET` if set (checked), else `fallback`. */
export function envPreset(fallback: PresetName = 'demo'): PresetName {
  const name = process.env.SPINELAB_PRESET;
  if (name === undefined || name === '') return fallback;
  if (!isPresetName(name)) throw new UsageError(`SPINELAB_PRESET="${name}" is not a preset (expected ${PRESET_NAMES.join(', ')})`);
  return name;
}

/** The parameters a notebook runs with (`spinelab run` and `spinelab notebooks` set them). */
export interface NotebookParams {
  /** `$SPINELAB_PRESET`, else the notebook's default. */
  preset: PresetName;
  /** `$SPINELAB_INPUT`, else `input/`: the competition layout (Kaggle download or synthetic studies). */
  input: string;
  /** `$SPINELAB_OUTPUT`, else `output/`: prepared stacks, crops, models, submission. */
  output: string;
}

/** Reads the `SPINELAB_*` notebook parameters (environment variables; see the README). */
export function notebookParams(defaults: { preset?: PresetName } = {}): NotebookParams {
  return { preset: envPreset(defaults.preset ?? 'demo'), input: inputDir(), output: outputDir() };
}
