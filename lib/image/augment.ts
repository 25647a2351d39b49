/**
 * The albumentations 1.3.1 transforms both models train with, as random draws over the kernels of
 * this module. Each stage keeps its own settings (lib/coords, lib/classify) and composes the steps
 * with its own targets (keypoints, or the resize of a crop).
 *
 * Blur strength is in NATIVE pixels, as in the reference, which blurs the full-size image before
 * resizing it to the model size. Our stages blur the smaller model-size image, so the kernels are
 * scaled by model size / native size (`native` below); see the porting notes in the stages.
 */
import type { Rng } from '../core/rng.js';
import { filter2d, gaussianBlur, gaussianKernel1d, gaussianKsize, kernelSigma, motionKernel, separableFilter } from './filter.js';
import { affineFromPoints, type ShiftScaleRotate } from './geometry.js';
import { applyBrightnessContrast, applyGamma } from './intensity.js';
import type { Image, Size } from './types.js';
import type { Warp } from './warp.js';

/** One augmentation strength: albumentations' parameters, degrees for angles. */
export interface AugmentSettings {
  /** ShiftScaleRotate: probability, shift ± (fraction of the size), scale ∈ [1 − scale, 1 + scale], rotation ± degrees. */
  ssr: { p: number; shift: number; scale: number; rotate: number };
  /**
   * OneOf{RandomGamma, RandomBrightnessContrast}, each picked half the time: probability, gamma
   * range (RandomGamma(50, 150) → [0.5, 1.5]), brightness ± (fraction of the maximum), contrast ±.
   */
  colour: { p: number; gamma: [number, number]; brightness: number; contrast: number };
  /** OneOf{MotionBlur, GaussianBlur}, each picked half the time: probability, largest kernel (odd; default 7). */
  blur: { p: number; maxKsize: number };
  /** ElasticTransform (crop models only): probability, alpha, sigma and alpha_affine in native pixels. */
  elastic?: { p: number; alpha: number; sigma: number; alphaAffine: number };
}

/** ShiftScaleRotate's draw (angle, scale, dx, dy in that order), or null when it does not fire. */
export function drawShiftScaleRotate(rng: Rng, s: AugmentSettings['ssr']): ShiftScaleRotate | null {
  if (rng.random() >= s.p) return null;
  return {
    angle: rng.uniform(-s.rotate, s.rotate),
    scale: rng.uniform(1 - s.scale, 1 + s.scale),
    dx: rng.uniform(-s.shift, s.shift),
    dy: rng.uniform(-s.shift, s.shift),
  };
}

/**
 * ElasticTransform's draw at `size` (albumentations 1.3.1, approximate = False), or null: an affine
 * moving three points around the centre by ± alpha_affine, then a displacement field of uniform
 * noise in [−1, 1] smoothed by cv2.GaussianBlur(sigma) and scaled by alpha.
 * Porting note: albumentations passes (height, width) where it means (x, y) for the three points;
 * the same points for square crops.
 */
export function drawElastic(rng: Rng, s: NonNullable<AugmentSettings['elastic']>, size: Size): Pick<Warp, 'elastic' | 'disp'> | null {
  if (rng.random() >= s.p) return null;
  const { height: H, width: W } = size;
  const cy = Math.floor(H / 2), cx = Math.floor(W / 2);
  const sq = Math.floor(Math.min(H, W) / 3);
  const src: [number, number][] = [[cx + sq, cy + sq], [cx - sq, cy + sq], [cx - sq, cy - sq]];
  const dst = src.map(([px, py]) => [px + rng.uniform(-s.alphaAffine, s.alphaAffine), py + rng.uniform(-s.alphaAffine, s.alphaAffine)] as [number, number]);
  const noise: Image = { data: new Float32Array(2 * H * W), channels: 2, height: H, width: W };
  for (let i = 0; i < noise.data.length; i++) noise.data[i] = rng.uniform(-1, 1);
  const disp = gaussianBlur(noise, 0, s.sigma).data;
  for (let i = 0; i < disp.length; i++) disp[i] *= s.alpha;
  return { elastic: affineFromPoints(src, dst), disp };
}

/** The colour OneOf, in place: RandomGamma or RandomBrightnessContrast. */
export function randomColour(img: Image, rng: Rng, s: AugmentSettings['colour']): void {
  if (rng.random() >= s.p) return;
  if (rng.random() < 0.5) applyGamma(img, rng.uniform(s.gamma[0], s.gamma[1]));
  else applyBrightnessContrast(img, 1 + rng.uniform(-s.contrast, s.contrast), rng.uniform(-s.brightness, s.brightness));
}

/**
 * MotionBlur of `img`, a resize of a `native`-size image: a centred line over `ksize` native pixels at
 * `angle` degrees (counter-clockwise on screen), reaching the kernel's border (cv2.line from corner
 * to corner at 45°), drawn at the image's scale.
 * Porting note: albumentations 1.3.1 draws a line between two random pixels of the kernel
 * (allow_shifted = True): of random length, and off-centre, which shifts the image by up to
 * (ksize − 1)/2 pixels away from its keypoints. Ours is centred and spans the kernel, as the
 * copies in both stages did before; its direction is drawn uniformly instead.
 */
export function motionBlur(img: Image, ksize: number, angle: number, native: Size = img): Image {
  const t = (angle * Math.PI) / 180;
  const c = Math.cos(t), s = -Math.sin(t); // y grows downwards
  const m = Math.max(Math.abs(c), Math.abs(s));
  const half = ksize / 2;
  const k = motionKernel((half * c * img.width) / (m * native.width), (half * s * img.height) / (m * native.height));
  return k.length === 1 ? img : filter2d(img, k);
}

/**
 * GaussianBlur(ksize, sigma 0) in native pixels on `img`, a resize of a `native`-size image: OpenCV's
 * kernel itself at the native size, else a Gaussian with that kernel's standard deviation × the
 * resize factor along each axis.
 */
export function nativeGaussianBlur(img: Image, ksize: number, native: Size = img): Image {
  const g = gaussianKernel1d(ksize, 0);
  if (img.width === native.width && img.height === native.height) return separableFilter(img, g, g);
  const sd = kernelSigma(g);
  const sx = (sd * img.width) / native.width;
  const sy = (sd * img.height) / native.height;
  return separableFilter(img, gaussianKernel1d(gaussianKsize(sx), sx), gaussianKernel1d(gaussianKsize(sy), sy));
}

/**
 * The blur OneOf: MotionBlur (ksize uniform over the odd 3 … max) or GaussianBlur (ksize drawn as
 * albumentations does: an integer in [3, max], an even one rounded up, so 5 and 7 come twice as
 * often as 3). `native`: the size the blur is meant for (see the module note). Returns `img` itself
 * when it does not fire.
 */
export function randomBlur(img: Image, rng: Rng, s: AugmentSettings['blur'], native: Size = img): Image {
  if (rng.random() >= s.p) return img;
  if (rng.random() < 0.5) {
    const ksize = 3 + 2 * rng.int(0, Math.max(0, Math.floor((s.maxKsize - 3) / 2)));
    return motionBlur(img, ksize, rng.uniform(0, 360), native);
  }
  let ksize = rng.int(3, Math.max(3, s.maxKsize));
  if (ksize % 2 === 0) ksize += 1;
  return nativeGaussianBlur(img, ksize, native);
}
