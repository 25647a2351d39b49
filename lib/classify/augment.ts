/**
 * Training augmentations of crop samples, flip with the left/right target swap, and mixup.
 * Reference: src/data/transforms.py (strengths 3 and 5), CropDataset flip, training/train.py mixup.
 */
import type { Rng } from '../core/rng.js';
import {
  drawElastic, drawShiftScaleRotate, randomBlur, randomColour, shiftScaleRotateMatrix, warpResize,
  type AugmentSettings, type Image, type Warp,
} from '../image/index.js';

/** The crop models' augmentation settings (lib/image's albumentations parameters). */
export type AugmentConfig = AugmentSettings;

/** The reference's colour and blur parameters, the same at every strength (blur_limit: albumentations' default 7). */
const COLOUR = { gamma: [0.5, 1.5] as [number, number], brightness: 0.1, contrast: 0.2 };
const BLUR_KSIZE = 7;

/** The reference's strengths used by the crop models (§5.3): 5 for all-target, 3 for SCS models. */
export const AUG_STRENGTHS: Record<3 | 5, AugmentConfig> = {
  5: {
    ssr: { p: 0.75, scale: 0.2, shift: 0.1, rotate: 45 }, colour: { p: 0.25, ...COLOUR },
    blur: { p: 0.25, maxKsize: BLUR_KSIZE }, elastic: { p: 0.5, alpha: 1, sigma: 5, alphaAffine: 10 },
  },
  3: {
    ssr: { p: 0.75, scale: 0.2, shift: 0, rotate: 30 }, colour: { p: 0.5, ...COLOUR },
    blur: { p: 0.25, maxKsize: BLUR_KSIZE }, elastic: { p: 0.25, alpha: 1, sigma: 5, alphaAffine: 10 },
  },
};

/**
 * Augment a planar sample (all 3·n slice channels at once, ONE random draw) and resize it to
 * size × size: shift-scale-rotate and elastic composed with the resize into one resampling (see
 * warpResize), then colour (gamma or brightness/contrast) and blur.
 * Porting note: the reference applies SSR, colour, blur, elastic, then the resize, each at the native
 * crop size. Colour is pointwise, so it commutes with the warps; blur is done after the resize with its
 * kernel scaled by size / native size, i.e. the same blur in native pixels. Both are then computed on
 * the (smaller) model-size image, which keeps augmentation cheap on a CPU.
 */
export function augmentSample(img: Image, size: number, cfg: AugmentConfig, rng: Rng): Image {
  const warp: Warp = {};
  const ssr = drawShiftScaleRotate(rng, cfg.ssr);
  if (ssr) warp.ssr = shiftScaleRotateMatrix(img, ssr);
  if (cfg.elastic) Object.assign(warp, drawElastic(rng, cfg.elastic, img));
  const x = warpResize(img, { height: size, width: size }, warp);
  randomColour(x, rng, cfg.colour);
  return randomBlur(x, rng, cfg.blur, img);
}

/**
 * Mirror a sample left ↔ right of the patient: reverse the order of ALL 3·n slice channels, i.e.
 * the frame order AND the 3 slices inside each frame.
 * Porting note: the reference reversed only the frame order (§11 item 13), leaving each frame's
 * (f−1, f, f+1) channels in the original direction.
 */
export function flipChannels(img: Image): Image {
  const plane = img.height * img.width;
  const out = new Float32Array(img.data.length);
  for (let c = 0; c < img.channels; c++) out.set(img.data.subarray(c * plane, (c + 1) * plane), (img.channels - 1 - c) * plane);
  return { ...img, data: out };
}

/**
 * Targets after a flip, in CLASSES_CROP order [SCS, L-NFN, R-NFN, L-SS, R-SS]: left and right swap
 * for NFN and SS, SCS unchanged. Works on class indices (length 5) or one-hot rows (5 × 3).
 */
export const FLIP_CONDITION_ORDER = [0, 2, 1, 4, 3] as const;

export function flipTargets<T extends Int8Array | Float32Array>(target: T, rowLength = 1): T {
  const out = target.slice() as T;
  for (let c = 0; c < 5; c++) {
    const from = FLIP_CONDITION_ORDER[c];
    for (let k = 0; k < rowLength; k++) out[c * rowLength + k] = target[from * rowLength + k];
  }
  return out;
}

/**
 * Mixup of a batch in place: one λ_i ~ Beta(a, a) per sample and one permutation π;
 * x_i ← λ_i·x_i + (1−λ_i)·x_π(i), y_i ← λ_i·y_i + (1−λ_i)·y_π(i) per (sample, condition) row.
 * A row whose own or partner label is missing (all-zero) stays all-zero, i.e. masked.
 * Porting note: the reference skipped mixup for any batch that held a missing label (§11 item 12),
 * silently lowering the mixup rate; here every batch is mixed and missing labels stay masked per row.
 * `x`: batch × sampleSize floats; `y`: batch × rows × 3 soft targets (all-zero row = missing).
 * Returns the λ used per sample.
 */
export function mixupBatch(x: Float32Array, y: Float32Array, batch: number, rows: number, rng: Rng, alpha = 0.4): Float32Array {
  const sampleSize = x.length / batch;
  const perm = rng.shuffle(Array.from({ length: batch }, (_, i) => i));
  const lambdas = new Float32Array(batch);
  for (let i = 0; i < batch; i++) lambdas[i] = rng.beta(alpha, alpha);
  const x0 = x.slice();
  const y0 = y.slice();
  for (let i = 0; i < batch; i++) {
    const j = perm[i];
    const l = lambdas[i];
    const xi = i * sampleSize, xj = j * sampleSize;
    for (let k = 0; k < sampleSize; k++) x[xi + k] = l * x0[xi + k] + (1 - l) * x0[xj + k];
    for (let r = 0; r < rows; r++) {
      const a = (i * rows + r) * 3, b = (j * rows + r) * 3;
      const present = y0[a] + y0[a + 1] + y0[a + 2] > 0 && y0[b] + y0[b + 1] + y0[b + 2] > 0;
      for (let k = 0; k < 3; k++) y[a + k] = present ? l * y0[a + k] + (1 - l) * y0[b + k] : 0;
    }
  }
  return lambdas;
}
