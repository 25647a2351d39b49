/**
 * Training augmentations of the coordinates model with the keypoints carried along (reference
 * §4.3, albumentations 1.3.1 at aug_strength 6): ShiftScaleRotate (p 0.75), one of RandomGamma /
 * RandomBrightnessContrast (p 0.25), one of MotionBlur / GaussianBlur (p 0.25).
 * Pixel convention as OpenCV's: pixel (i, j) has its centre at integer coordinates (x = j, y = i),
 * and a relative keypoint u maps to the pixel coordinate u·W (the reference's `relative_x = x / W`).
 */
import type { Rng } from '../core/rng.js';
import type { Gray } from './image.js';
import { N_POINTS, type Keypoints } from './types.js';

export interface AugmentConfig {
  /** Probability of ShiftScaleRotate (reference 0.75). */
  pShiftScaleRotate: number;
  /** Shift limit as a fraction of the image size (±). */
  shift: number;
  /** Scale limit: scale ∈ [1 − s, 1 + s]. */
  scale: number;
  /** Rotation limit in degrees (±). */
  rotate: number;
  /** Probability of one of gamma / brightness-contrast (reference 0.25). */
  pColor: number;
  /** Gamma range (RandomGamma(50, 150) → [0.5, 1.5]). */
  gamma: [number, number];
  /** Brightness limit (± fraction of the max value) and contrast limit (±). */
  brightness: number;
  contrast: number;
  /** Probability of one of motion / Gaussian blur (reference 0.25). */
  pBlur: number;
  /** Odd kernel sizes drawn from [3, maxBlur] (reference blur_limit (3, 7)). */
  maxBlur: number;
}

/** The reference's settings (albumentations defaults where it set none). */
export const REFERENCE_AUGMENT: AugmentConfig = {
  pShiftScaleRotate: 0.75, shift: 0.2, scale: 0.2, rotate: 10,
  pColor: 0.25, gamma: [0.5, 1.5], brightness: 0.1, contrast: 0.2,
  pBlur: 0.25, maxBlur: 7,
};

/** A 2×3 affine matrix [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = [number, number, number, number, number, number];

/**
 * albumentations' shift_scale_rotate matrix: cv2.getRotationMatrix2D((W/2, H/2), angle, scale)
 * plus (dx·W, dy·H). A positive angle turns the image counter-clockwise on screen.
 */
export function shiftScaleRotateMatrix(width: number, height: number, angleDeg: number, scale: number, dx: number, dy: number): Affine {
  const cx = width / 2;
  const cy = height / 2;
  const t = (angleDeg * Math.PI) / 180;
  const alpha = scale * Math.cos(t);
  const beta = scale * Math.sin(t);
  return [alpha, beta, (1 - alpha) * cx - beta * cy + dx * width, -beta, alpha, beta * cx + (1 - alpha) * cy + dy * height];
}

/** OpenCV BORDER_REFLECT_101 index: …, 2, 1 | 0, 1, …, n−1 | n−2, … */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

/** cv2.warpAffine(img, m, INTER_LINEAR, BORDER_REFLECT_101): dst(p) = src(m⁻¹ p). */
export function warpAffine(img: Gray, m: Affine): Gray {
  const { width: w, height: h, data } = img;
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  const ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = x - c;
      const v = y - f;
      const sx = ia * u + ib * v;
      const sy = id * u + ie * v;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const tx = sx - x0;
      const ty = sy - y0;
      const xa = reflect101(x0, w), xb = reflect101(x0 + 1, w);
      const ya = reflect101(y0, h) * w, yb = reflect101(y0 + 1, h) * w;
      out[y * w + x] = (1 - ty) * ((1 - tx) * data[ya + xa] + tx * data[ya + xb]) + ty * ((1 - tx) * data[yb + xa] + tx * data[yb + xb]);
    }
  }
  return { data: out, height: h, width: w };
}

/**
 * Move relative keypoints with `m` (in pixel coordinates of a W×H image). A point that lands
 * outside [0, 1]² becomes missing (NaN) as a whole.
 * Porting note: the reference masks x and y separately (§11 item 11); a half-known point is useless.
 */
export function transformKeypoints(kps: Keypoints, m: Affine, width: number, height: number): Keypoints {
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

/** Same-size 2-D correlation with a k×k kernel and BORDER_REFLECT_101 (cv2.filter2D). */
export function filter2d(img: Gray, kernel: Float32Array, k: number): Gray {
  const { width: w, height: h, data } = img;
  const r = (k - 1) / 2;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let i = 0; i < k; i++) {
        const row = reflect101(y + i - r, h) * w;
        for (let j = 0; j < k; j++) {
          const kv = kernel[i * k + j];
          if (kv !== 0) acc += kv * data[row + reflect101(x + j - r, w)];
        }
      }
      out[y * w + x] = acc;
    }
  }
  return { data: out, height: h, width: w };
}

/**
 * cv2.getGaussianKernel(k, 0) as a k×k kernel. With sigma ≤ 0 and k ≤ 7 OpenCV uses fixed binomial
 * tables (not the σ formula), reproduced here.
 */
const SMALL_GAUSSIAN: Record<number, number[]> = {
  1: [1],
  3: [0.25, 0.5, 0.25],
  5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
  7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
};
export function gaussianKernel(k: number): Float32Array {
  let g = SMALL_GAUSSIAN[k];
  if (!g) {
    const sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8;
    const raw = Array.from({ length: k }, (_, i) => Math.exp(-((i - (k - 1) / 2) ** 2) / (2 * sigma * sigma)));
    const s = raw.reduce((a, b) => a + b, 0);
    g = raw.map((v) => v / s);
  }
  const out = new Float32Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[i * k + j] = g[i] * g[j];
  return out;
}

/** A normalised line of length k through the centre at angle `angleDeg` (motion blur). */
export function motionKernel(k: number, angleDeg: number): Float32Array {
  const out = new Float32Array(k * k);
  const r = (k - 1) / 2;
  const t = (angleDeg * Math.PI) / 180;
  for (let s = -r; s <= r; s += 0.25) {
    const j = Math.round(r + s * Math.cos(t));
    const i = Math.round(r + s * Math.sin(t));
    out[i * k + j] = 1;
  }
  const sum = out.reduce((a, b) => a + b, 0);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

function mapPixels(img: Gray, fn: (v: number) => number): Gray {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = fn(img.data[i]);
  return { data: out, height: img.height, width: img.width };
}

/**
 * One random augmentation of a [0, 1] image and its relative keypoints (NaN = missing). Returns
 * new arrays; the inputs are not modified.
 */
export function augment(img: Gray, kps: Keypoints, rng: Rng, cfg: AugmentConfig = REFERENCE_AUGMENT): { img: Gray; kps: Keypoints } {
  if (kps.length !== 2 * N_POINTS) throw new Error(`augment: expected ${2 * N_POINTS} keypoint values, got ${kps.length}`);
  let out = img;
  let pts = kps;
  if (rng.random() < cfg.pShiftScaleRotate) {
    const m = shiftScaleRotateMatrix(img.width, img.height, rng.uniform(-cfg.rotate, cfg.rotate),
      rng.uniform(1 - cfg.scale, 1 + cfg.scale), rng.uniform(-cfg.shift, cfg.shift), rng.uniform(-cfg.shift, cfg.shift));
    out = warpAffine(out, m);
    pts = transformKeypoints(pts, m, img.width, img.height);
  }
  if (rng.random() < cfg.pColor) {
    if (rng.random() < 0.5) {
      const g = rng.uniform(cfg.gamma[0], cfg.gamma[1]);
      out = mapPixels(out, (v) => Math.pow(Math.max(v, 0), g));
    } else {
      const alpha = 1 + rng.uniform(-cfg.contrast, cfg.contrast);
      const beta = rng.uniform(-cfg.brightness, cfg.brightness);
      out = mapPixels(out, (v) => Math.min(Math.max(v * alpha + beta, 0), 1));
    }
  }
  if (rng.random() < cfg.pBlur) {
    const k = 3 + 2 * rng.int(0, Math.max(0, (cfg.maxBlur - 3) / 2));
    out = filter2d(out, rng.random() < 0.5 ? motionKernel(k, rng.uniform(0, 360)) : gaussianKernel(k), k);
  }
  return { img: out, kps: pts };
}
