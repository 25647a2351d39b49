/**
 * The main job's stages: each is one notebook, run headless in this order. A stage's notebook calls
 * the library functions of its stage, so the notebook *is* the stage (nothing lives only there).
 */
import type { PresetName } from '../core/presets.js';

export interface Stage {
  /** Short name used in summary.json and the stamp file. */
  name: 'prepare' | 'coords' | 'crops' | 'classify' | 'lvl2' | 'inference';
  notebook: string;
}

export const STAGES: readonly Stage[] = [
  { name: 'prepare', notebook: '01_Preparation.ipynb' },
  { name: 'coords', notebook: '02_Coords.ipynb' },
  { name: 'crops', notebook: '03_CoordsInf.ipynb' },
  { name: 'classify', notebook: '04_Training.ipynb' },
  { name: 'lvl2', notebook: '05_Training_Lvl2.ipynb' },
  { name: 'inference', notebook: '06_Inference.ipynb' },
];

/** Synthetic dataset size generated for a preset (lib/core/presets.ts) when input/ holds no data. */
export const SYNTH_SIZE_FOR: Record<PresetName, 'tiny' | 'demo' | 'bench'> = {
  tiny: 'tiny',
  demo: 'demo',
  bench: 'bench',
  // The reference settings are meant for the real data; without it they run on the bench set.
  reference: 'bench',
};
