/**
 * Steps 4–5 of inference (reference §8.2) on crops saved on disk: level-1 logits of every crop,
 * then the level-2 MLP on the per-study features. Both run on all studies at once; if that fails,
 * they rerun study by study so that only the studies that fail fall back to the priors (core.ts).
 */
import { CropStore, predictCropLogits, type Level1Logits, type Level1Row } from '../classify/index.js';
import type { OnProgress } from '../core/progress.js';
import { level1Logits, type StageError } from './core.js';
import type { InferenceModels } from './models.js';

export { predictStudies } from './core.js';

/**
 * Level-1 logits of each model of the level-2 layout on the crops of `rows` under
 * `{cropsRoot}/predicted/`, averaged over the model's checkpoints (see `level1Logits`).
 */
export async function predictLevel1(
  models: InferenceModels['level1'],
  rows: readonly Level1Row[],
  opts: { cropsRoot: string; batchSize: number; onFail: (study: number, e: StageError) => void; onProgress?: OnProgress },
): Promise<Level1Logits[]> {
  const store = new CropStore(opts.cropsRoot);
  return level1Logits(models, rows, {
    predict: (m, rs) => predictCropLogits(m.checkpoints, rs, { cropsRoot: opts.cropsRoot, batchSize: opts.batchSize, store }),
    onFail: opts.onFail,
    onProgress: opts.onProgress,
  });
}
