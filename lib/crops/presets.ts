/**
 * Named configurations of the crops stage. The box and the fix threshold are the reference's in
 * every preset (§4.7): crops are cheap, and the crop models are sized for them.
 */
import { pickPreset, type PresetName } from '../core/presets.js';
import type { CropsConfig } from './cut.js';

const REFERENCE_CROPS: CropsConfig = { delta: 0.1, fixThreshold: 0.03 };

export const CROPS_PRESETS: Record<PresetName, CropsConfig> = {
  tiny: REFERENCE_CROPS,
  demo: REFERENCE_CROPS,
  bench: REFERENCE_CROPS,
  reference: REFERENCE_CROPS,
};

export function cropsPreset(name: string): CropsConfig {
  return pickPreset(CROPS_PRESETS, name, 'crops');
}
