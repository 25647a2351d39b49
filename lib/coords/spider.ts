/**
 * External landmark images from the SPIDER lumbar spine dataset (van der Graaf et al., 2024,
 * "Lumbar spine segmentation in MR images: a dataset and a public benchmark", CC BY 4.0), as
 * shipped in `../shared/data/spider-lumbar/`: 8-bit sagittal slices, colour masks of the vertebrae,
 * and `derived_mask_centroids.csv` (per image and mask colour: pixel count, centroid, bbox).
 *
 * Porting note: the reference pre-trains on the Bartley "lumbar coordinate" JPGs (§3.6), which
 * are not available here; SPIDER slices play their role: fold −1, always trained on, never validated.
 *
 * How the undocumented class → vertebra mapping was derived (checked on all 36 images):
 * - in every image the centroid row grows with the class index, so classes run along the spine;
 * - the PNGs are stored upside down: the (unlabelled) sacrum lies ABOVE class 1, the abdomen is
 *   on the left (anterior), the cord and thoracic vertebrae below. So class 1 is L5, class 2 L4,
 *   …, class 5 L1, class 6 T12, class 7 T11. We flip the images head-up like the competition's.
 * Disc centres: the midpoint of consecutive vertebra centroids (L1/L2 … L4/L5); L5/S1 has no
 * labelled sacrum, so it is extrapolated half a vertebra below L5: c(L5) + (c(L5) − c(L4)) / 2.
 * A vertebra counts only when its mask covers ≥ 0.2 % of the image: on lateral slices the masks are
 * scraps of posterior elements whose centroids are not landmarks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readCsv } from '../core/csv.js';
import { InputLayoutError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { flipVertical, type Image } from '../image/index.js';
import { missingKeypoints, countPoints, type CoordsSample, type Keypoints } from './types.js';

/** Smallest mask area, as a fraction of the image, for a vertebra centroid to be used. */
export const SPIDER_MIN_AREA = 0.002;
/** SPIDER mask class of each lumbar vertebra, caudal first: L5 = 1 … L1 = 5. */
const CLASS_OF = { L5: 1, L4: 2, L3: 3, L2: 4, L1: 5 } as const;

export interface SpiderCentroid {
  classIndex: number;
  pixelCount: number;
  /** Centroid in pixels of the stored (upside-down) PNG. */
  x: number;
  y: number;
}

export interface SpiderImage {
  /** File name, e.g. `10008_12.png`; case `10008`, slice `12`. */
  file: string;
  caseId: number;
  slice: number;
  width: number;
  height: number;
  centroids: SpiderCentroid[];
}

/** Parse derived_mask_centroids.csv into one record per image (in file order). */
export function readSpiderCentroids(dir: string): SpiderImage[] {
  const file = join(dir, 'derived_mask_centroids.csv');
  const table = readCsv(file, ['image', 'width', 'height', 'class_index', 'pixel_count', 'centroid_x', 'centroid_y']);
  const byImage = new Map<string, SpiderImage>();
  for (const row of table.rows) {
    const v = row.values;
    const m = /^(\d+)_(\d+)\.png$/.exec(v.image);
    const nums = ['width', 'height', 'class_index', 'pixel_count', 'centroid_x', 'centroid_y'].map((k) => Number(v[k]));
    if (!m || nums.some((n) => !Number.isFinite(n))) throw new InputLayoutError(`unexpected SPIDER centroid row (${Object.values(v).join(',')})`, { file, line: row.line });
    let img = byImage.get(v.image);
    if (!img) byImage.set(v.image, (img = { file: v.image, caseId: Number(m[1]), slice: Number(m[2]), width: nums[0], height: nums[1], centroids: [] }));
    img.centroids.push({ classIndex: nums[2], pixelCount: nums[3], x: nums[4], y: nums[5] });
  }
  return [...byImage.values()];
}

/**
 * True when the usable centroids' rows increase with the class index (the order check the mapping
 * rests on); images that break it are not used.
 */
export function classesRunAlongSpine(img: SpiderImage): boolean {
  const used = usable(img).sort((a, b) => a.classIndex - b.classIndex);
  for (let i = 1; i < used.length; i++) if (used[i].y <= used[i - 1].y) return false;
  return true;
}

function usable(img: SpiderImage): SpiderCentroid[] {
  return img.centroids.filter((c) => c.pixelCount >= SPIDER_MIN_AREA * img.width * img.height);
}

/**
 * Disc-level landmarks of one image, relative to the HEAD-UP (flipped) image; NaN where a needed
 * vertebra is missing or too small.
 */
export function spiderLandmarks(img: SpiderImage): Keypoints {
  const byClass = new Map(usable(img).map((c) => [c.classIndex, c]));
  // Head-up pixel coordinates: flipping rows maps y to H − 1 − y.
  const at = (cls: number) => {
    const c = byClass.get(cls);
    return c ? { x: c.x, y: img.height - 1 - c.y } : null;
  };
  const out = missingKeypoints();
  const set = (level: number, x: number, y: number) => {
    out[2 * level] = x / img.width;
    out[2 * level + 1] = y / img.height;
  };
  const order = [CLASS_OF.L1, CLASS_OF.L2, CLASS_OF.L3, CLASS_OF.L4, CLASS_OF.L5];
  for (let l = 0; l < 4; l++) {
    const a = at(order[l]);
    const b = at(order[l + 1]);
    if (a && b) set(l, (a.x + b.x) / 2, (a.y + b.y) / 2);
  }
  const l4 = at(CLASS_OF.L4);
  const l5 = at(CLASS_OF.L5);
  if (l4 && l5) set(4, l5.x + (l5.x - l4.x) / 2, l5.y + (l5.y - l4.y) / 2);
  return out;
}

/** The image's grey values (R channel of the 8-bit PNG), flipped head-up. */
export function readSpiderImage(dir: string, file: string): Image<Uint8Array> {
  const path = join(dir, 'images', file);
  let png: PNG;
  try {
    png = PNG.sync.read(readFileSync(path));
  } catch (e) {
    throw new InputLayoutError(`cannot read SPIDER image (${(e as Error).message})`, { file: path });
  }
  const grey = new Uint8Array(png.width * png.height);
  for (let i = 0; i < grey.length; i++) grey[i] = png.data[4 * i];
  return flipVertical({ data: grey, channels: 1, height: png.height, width: png.width });
}

export interface SpiderSplit {
  /** Images that join training (fold −1). */
  train: CoordsSample[];
  /** Images of held-out cases, never trained on: the external test of the coordinates model. */
  heldOut: CoordsSample[];
  /** Images not used, with the reason (shown by the notebook). */
  skipped: Array<{ file: string; reason: string }>;
}

/**
 * Load SPIDER samples with landmarks. Whole cases (patients) are held out: `holdOut` of them,
 * drawn with `seed`, so no slice of a held-out patient is ever trained on.
 */
export function loadSpider(dir: string, holdOut: number, seed = 42): SpiderSplit {
  const images = readSpiderCentroids(dir);
  const cases = [...new Set(images.map((i) => i.caseId))].sort((a, b) => a - b);
  const held = new Set(new Rng(seed).shuffle(cases).slice(0, holdOut));
  const split: SpiderSplit = { train: [], heldOut: [], skipped: [] };
  for (const img of images) {
    if (!classesRunAlongSpine(img)) {
      split.skipped.push({ file: img.file, reason: 'mask classes out of order along the spine' });
      continue;
    }
    const target = spiderLandmarks(img);
    if (countPoints(target) === 0) {
      split.skipped.push({ file: img.file, reason: 'no disc level with both vertebrae ≥ 0.2 % of the image (lateral slice)' });
      continue;
    }
    const sample: CoordsSample = {
      source: 'spider', studyId: img.caseId, seriesId: img.slice, description: 'SPIDER',
      image: readSpiderImage(dir, img.file), target,
    };
    (held.has(img.caseId) ? split.heldOut : split.train).push(sample);
  }
  return split;
}
