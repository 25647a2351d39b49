/**
 * Training augmentations of the coordinates model with the keypoints carried along (reference
 * §4.3, albumentations 1.3.1 at aug_strength 6): ShiftScaleRotate (p 0.75), one of RandomGamma /
 * RandomBrightnessContrast (p 0.25), one of MotionBlur / GaussianBlur (p 0.25). The kernels and
 * random draws are lib/image's; this file holds the settings and the keypoints.
 * A relative keypoint u is the pixel coordinate u·W of the native image (the reference's
 * `relative_x = x / W`), pixel centres at integer coordinates as in OpenCV.
 *
 * Porting note: the reference augments the native image and then resizes it to 384 px; we augment
 * the model-size input (resized once, see dataset.ts) with the same transform. The shift-scale-
 * rotate is built at the native size and carried to the model size through the resize map (exact
 * for non-square images too), and the blur kernels are scaled by model size / native size, i.e.
 * the same blur in native pixels. Until issue 16 the blur used native-size kernels on the 48–128 px
 * input: native size / model size times too strong (2–4× on the synthetic sets, 3–8× on Kaggle-sized
 * images).
 */
import type { Rng } from '../core/rng.js';
import {
  composeAffine, drawShiftScaleRotate, invertAffine, randomBlur, randomColour, resizeMap, shiftScaleRotateMatrix, warpAffine,
  type Affine, type AugmentSettings, type Image, type Size,
} from '../image/index.js';
import { N_POINTS, type Keypoints } from './types.js';

/** The coordinates model's augmentation settings (no elastic transform: keypoints cannot follow it). */
export type AugmentConfig = Omit<AugmentSettings, 'elastic'>;

/** The reference's settings (albumentations defaults where it set none, e.g. blur_limit 7). */
export const REFERENCE_AUGMENT: AugmentConfig = {
  ssr: { p: 0.75, shift: 0.2, scale: 0.2, rotate: 10 },
  colour: { p: 0.25, gamma: [0.5, 1.5], brightness: 0.1, contrast: 0.2 },
  blur: { p: 0.25, maxKsize: 7 },
};

/**
 * Move relative keypoints with `m` (pixel coordinates of an image of `size`). A point that lands
 * outside [0, 1]² becomes missing (NaN) as a whole.
 * Porting note: the reference masks x and y separately (§11 item 11); a half-known point is useless.
 */
export function transformKeypoints(kps: Keypoints, m: Affine, size: Size): Keypoints {
  const { width, height } = size;
  const out = new Float32Array(kps.length);
  for (let p = 0; p < kps.length / 2; p++) {
    const x = kps[2 * p] * width;
    const y = kps[2 * p + 1] * height;
    const u = (m[0] * x + m[1] * y + m[2]) / width;
    const v = (m[3] * x + m[4] * y + m[5]) / height;
    const inside = u >= 0 && u <= 1 && v >= 0 && v <= 1; // false for NaN too
    out[2 * p] = inside ? u : NaN;
    out[2 * p + 1] = inside ? v : NaN;
  }
  return out;
}

/**
 * One random augmentation of a [0, 1] model input made from an image of size `native`, and of its
 * relative keypoints (NaN = missing). Returns new arrays; the inputs are not modified.
 */
export function augment(input: Image, kps: Keypoints, native: Size, rng: Rng, cfg: AugmentConfig = REFERENCE_AUGMENT): { img: Image; kps: Keypoints } {
  if (kps.length !== 2 * N_POINTS) throw new Error(`augment: expected ${2 * N_POINTS} keypoint values, got ${kps.length}`);
  const ssr = drawShiftScaleRotate(rng, cfg.ssr);
  let img: Image;
  let pts = kps;
  if (ssr) {
    const m = shiftScaleRotateMatrix(native, ssr);
    const toInput = resizeMap(native, input);
    img = warpAffine(input, composeAffine(toInput, composeAffine(m, invertAffine(toInput))));
    pts = transformKeypoints(kps, m, native);
  } else {
    img = { ...input, data: input.data.slice() };
  }
  randomColour(img, rng, cfg.colour);
  img = randomBlur(img, rng, cfg.blur, native);
  return { img, kps: pts };
}
