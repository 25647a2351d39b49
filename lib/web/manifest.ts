/**
 * `manifest.json` of a built site: which checkpoints of which run the page loads, with what they
 * were validated against when the site was built (coords configs, classifier metas, the level-2
 * layout), the crop box, the class priors and the page's limits. Written by site.ts, read by the
 * page. Paths are relative to the site root.
 */
import type { ClassifyModelMeta } from '../classify/model.js';
import type { CoordsModel } from '../coords/infer.js';
import type { FeatureLayout, ModelLayout } from '../lvl2/features.js';
import type { StudyLimits } from './study.js';

export const MANIFEST_FILE = 'manifest.json';
export const SITE_KIND = 'spinelab-web';

export interface SiteManifest {
  kind: typeof SITE_KIND;
  version: 1;
  /** When and from what the site was built. */
  built: string;
  source: { models: string; preset: string; checkpoints: string };
  coords: Array<{ path: string; fold: CoordsModel['fold']; config: CoordsModel['config'] }>;
  /** Level-1 models in the level-2 layout's order. */
  level1: Array<ModelLayout & { checkpoints: string[]; meta: ClassifyModelMeta }>;
  lvl2: { checkpoints: string[]; layout: FeatureLayout };
  cropDelta: number;
  batchSize: number;
  priors: { source: string; studies: number; prediction: number[][] };
  limits: StudyLimits;
  /** Files of the tfjs WASM backend under `wasm/`, of the DICOM codecs under `codecs/`. */
  wasm: string[];
  codecs: string[];
}
