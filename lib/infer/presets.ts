/** Named settings of the inference stage (preset names: lib/core/presets.ts). */
import { UsageError } from '../core/errors.js';
import { pickPreset, type PresetName } from '../core/presets.js';

/**
 * Which checkpoints predict: the mean of the fold models, the full-fit model, or `auto` (the
 * full-fit model where a model folder has one, else its folds), chosen per model folder.
 */
export type CheckpointChoice = 'auto' | 'folds' | 'fullfit';
export const CHECKPOINT_CHOICES: readonly CheckpointChoice[] = ['auto', 'folds', 'fullfit'];

/** A `--checkpoints` value checked (undefined stays undefined: the preset's choice). */
export function checkpointChoice(value: string | undefined): CheckpointChoice | undefined {
  if (value !== undefined && !(CHECKPOINT_CHOICES as readonly string[]).includes(value)) throw new UsageError(`--checkpoints must be one of ${CHECKPOINT_CHOICES.join(', ')}, got "${value}"`);
  return value as CheckpointChoice | undefined;
}

export interface InferPreset {
  name: string;
  checkpoints: CheckpointChoice;
  /** Worker threads of the DICOM preparation (0: in this thread). */
  workers: number;
  /** Crops per batch of the level-1 models (reference 32). */
  batchSize: number;
}

export const INFER_PRESETS: Record<PresetName, InferPreset> = {
  tiny: { name: 'tiny', checkpoints: 'auto', workers: 1, batchSize: 32 },
  demo: { name: 'demo', checkpoints: 'auto', workers: 2, batchSize: 32 },
  bench: { name: 'bench', checkpoints: 'auto', workers: 2, batchSize: 32 },
  /**
   * Reference §8.2: the `fullfit_0` weights of every model (FOLD = "fullfit_0" outside DEBUG),
   * batch 32 for the crop models.
   */
  reference: { name: 'reference', checkpoints: 'fullfit', workers: 16, batchSize: 32 },
};

export function inferPreset(name: string): InferPreset {
  return pickPreset(INFER_PRESETS, name, 'inference');
}
