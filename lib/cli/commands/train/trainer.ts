import type { OnProgress } from '../../../core/progress.js';
import type { PresetName } from '../../../core/presets.js';
import type { TrainEvent } from '../../../train/types.js';

/** What `spinelab train <model>` hands to a model's trainer (lib/cli/commands/train/<model>.ts). */
export interface TrainerArgs {
  /** Preset name of the model's stage (lib/<stage>/presets.ts). */
  preset: PresetName;
  /** Input folder (competition layout). */
  input: string;
  /** Artefact root; models go to `{output}/models/{name}/`. */
  output: string;
  /** Retrain finished folds made with another configuration instead of refusing. */
  retrain: boolean;
  /** `--json`: print nothing but the returned object's line (the caller prints it). */
  json: boolean;
  onEvent: (e: TrainEvent, model: string) => void;
  onProgress: OnProgress;
  /** Folds trained at once in worker threads (`--workers`; undefined = the library default). */
  workers?: number;
  /** `--prefetch` / `--no-prefetch` (undefined = the library default). */
  prefetch?: boolean;
  /** `--profile`: time the parts of each training step; the trainer prints the split per model. */
  profile: boolean;
  /** `--epochs N`: override the preset's epochs of every model (e.g. 1 to time one epoch). */
  epochs?: number;
}

export interface Trainer {
  /** Trains, prints a human summary unless `json`, and returns the JSON summary. */
  run(args: TrainerArgs): Promise<unknown>;
}
