/**
 * Named configurations of the crops stage. The box and the fix threshold are the reference's in
 * every preset (§4.7): crops are cheap, and the crop models are sized for them.
 */
import { UsageError } from '../core/errors.js';
import type { CropsConfig } from './cut.js';

export const CROPS_PRESET_NAMES = ['tiny', 'demo', 'bench', 'reference'] as const;
export type CropsPresetName = (typeof CROPS_PRESET_NAMES)[number];

const REFERENCE_CROPS: CropsConfig = { delta: 0.1, fixThreshold: 0.03 };

export const CROPS_PRESETS: Record<CropsPresetName, CropsConfig> = {
  tiny: REFERENCE_CROPS,
  demo: REFERENCE_CROPS,
  bench: REFERENCE_CROPS,
  reference: REFERENCE_CROPS,
};

export function cropsPreset(name: string): CropsConfig {
  if (!(CROPS_PRESET_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown crops preset "${name}" (expected ${CROPS_PRESET_NAMES.join(', ')})`);
  }
  return { ...CROPS_PRESETS[name as CropsPresetName] };
}
