/** Named settings of the Preparation stage (preset names: lib/core/presets.ts). */
import { pickPreset, type PresetName } from '../core/presets.js';
import type { PrepareOptions } from './prepare.js';

export type PreparePreset = Pick<PrepareOptions, 'workers' | 'maxStudies'>;

export const PREPARE_PRESETS: Record<PresetName, PreparePreset> = {
  /** CI: the tiny synthetic set is small already; every study, so all folds have data downstream. */
  tiny: { workers: 2 },
  /** Main job on 2 cores: every study, both cores. */
  demo: { workers: 2 },
  bench: { workers: 2 },
  /** The reference ran joblib with 16 jobs. */
  reference: { workers: 16 },
};

export function preparePreset(name: string): PreparePreset {
  return pickPreset(PREPARE_PRESETS, name, 'prepare');
}
