/**
 * Crops on disk: their paths, the crop index of a set, and the CropStore that reads them for the
 * datasets (the IO half of dataset.ts, which stays free of Node APIs).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArtefactError } from '../core/errors.js';
import { readNpy } from '../core/npy.js';
import { LEVELS } from '../data/vocabulary.js';
import { cropFileName, readCropsCsv } from '../crops/cut.js';
import type { CropRow, CropSource } from './dataset.js';
import { scaleStackTo8Bit, type Stack8 } from './frames.js';
import type { CropSet } from './presets.js';

/** `{cropsRoot}/{set}/{study}_{series}_{levelSlug}.npy` (COORDS contract, lib/crops). */
export function cropPath(cropsRoot: string, set: CropSet, r: Pick<CropRow, 'studyId' | 'seriesId' | 'level'>): string {
  return join(cropsRoot, set, cropFileName(r.studyId, r.seriesId, r.level));
}

/** The (study, series, description, level) rows listed in `{cropsRoot}/{set}/crops.csv`. */
export function readCropIndex(cropsRoot: string, set: CropSet = 'predicted'): Omit<CropRow, 'labels' | 'fold'>[] {
  return readCropsCsv(join(cropsRoot, set)).map((r) => ({ studyId: r.studyId, seriesId: r.seriesId, description: r.description, level: r.level }));
}

/** Loads crops as 8-bit stacks, keeping up to `maxBytes` of them in memory. */
export class CropStore implements CropSource {
  private readonly cache = new Map<string, Stack8>();
  private bytes = 0;
  constructor(readonly cropsRoot: string, private readonly maxBytes = 1 << 30) {}

  /** The scaled crop of a row. A missing file is an error, never a black image (§11 item 6). */
  get(set: CropSet, r: Pick<CropRow, 'studyId' | 'seriesId' | 'level'>): Stack8 {
    const file = cropPath(this.cropsRoot, set, r);
    const hit = this.cache.get(file);
    if (hit) return hit;
    if (!existsSync(file)) {
      throw new ArtefactError(`crop file missing for level ${LEVELS[r.level]} (crop set "${set}")`, { file, studyId: r.studyId, seriesId: r.seriesId });
    }
    const stack = scaleStackTo8Bit(readNpy(file), file);
    if (this.bytes + stack.data.length <= this.maxBytes) {
      this.cache.set(file, stack);
      this.bytes += stack.data.length;
    }
    return stack;
  }
}
